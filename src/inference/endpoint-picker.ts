import type { CompiledPool, PoolEndpoint } from "./compiled-pool.js";

/**
 * The Endpoint Picker protocol's header names (Gateway API Inference Extension), kept exact at the
 * seam so an external picker over ext_proc can later stand where the built-in one does.
 */
export const DESTINATION_ENDPOINT_HEADER = "x-gateway-destination-endpoint";
export const DESTINATION_SUBSET_HEADER = "x-gateway-destination-endpoint-subset";
export const DESTINATION_SERVED_HEADER = "x-gateway-destination-endpoint-served";

/** What one pick is asked for. */
export interface PickInput {
  /** The model the server is sent (after InferenceModelRewrite): a base model or a LoRA adapter. */
  readonly model: string;
  /** The prompt bytes prefix affinity hashes (chat: the raw JSON of `messages`); undefined: none. */
  readonly prompt: Buffer | undefined;
  /** From the request's InferenceObjective; 0 without one; negative = sheddable. */
  readonly priority: number;
  /** Addresses this request already tried: not picked again while another endpoint is left. */
  readonly exclude?: ReadonlySet<string>;
  /** The subset hint (`x-gateway-destination-endpoint-subset`): pick only among these addresses. */
  readonly subset?: readonly string[];
  /**
   * Whether the gateway lets new attempts go to this endpoint now (outlier ejection, a Retry-After,
   * an active health check: BackendHealthRegistry keyed by endpoint.backend.key). Unavailable
   * endpoints are skipped unless every remaining candidate is unavailable (then all are candidates,
   * as Envoy's panic mode). Undefined: every endpoint is available.
   */
  readonly available?: (endpoint: PoolEndpoint) => boolean;
}

/** One endpoint's scores, for the decision record ("why this one"). */
export interface EndpointScore {
  readonly address: string;
  /** The weighted sum that was compared. */
  readonly total: number;
  readonly queue: number;
  readonly kvCache: number;
  readonly prefix: number;
  readonly lora: number;
}

/**
 * Why the endpoint was chosen: `scored` (max score), `saturated` (max score too, on a saturated pool,
 * for a request that is not sheddable), `stale` (no endpoint
 * has fresh metrics: fewest in-flight), `random` / `round-robin` (the configured picker).
 */
export type PickReason = "scored" | "saturated" | "stale" | "random" | "round-robin";

export type PickOutcome =
  | {
      readonly kind: "picked";
      readonly endpoint: PoolEndpoint;
      /** The protocol's answer: `x-gateway-destination-endpoint` = the picked address. */
      readonly headers: { readonly [DESTINATION_ENDPOINT_HEADER]: string };
      readonly reason: PickReason;
      /** Every candidate's scores, best first (empty for random / round-robin). */
      readonly scores: readonly EndpointScore[];
    }
  /** Sheddable request on a saturated pool: the client gets 429 with `message`. */
  | { readonly kind: "shed"; readonly message: string }
  /** No Ready endpoint (or none left in the subset): the client gets 503 with `message`. */
  | { readonly kind: "none"; readonly message: string };

/** The picker the gateway asks; InferencePools (built in) implements it. */
export interface EndpointPicker {
  pick(pool: CompiledPool, input: PickInput): PickOutcome;
  /**
   * The request was sent to `address`: until a scrape shows it (or it finishes first) it counts in
   * that endpoint's queue. Returns what `finished` takes to tell this request from others.
   */
  sent(pool: CompiledPool, address: string): number | undefined;
  /** The request sent to `address` is over (answered, failed or abandoned); `sentAt` is what `sent` returned. */
  finished(pool: CompiledPool, address: string, sentAt?: number): void;
}

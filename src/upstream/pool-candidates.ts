import type { CompiledBackendRef, CompiledRule } from "../config/snapshot.js";
import type { InferenceRecord } from "../gateway/request-record.js";
import type { CompiledPool, PoolEndpoint } from "../inference/compiled-pool.js";
import type { EndpointPicker } from "../inference/endpoint-picker.js";
import type { PoolRequest } from "../inference/pool-request.js";
import type { BackendHealthRegistry } from "./backend-health.js";
import { type CandidateSource, Candidates, type NoCandidateReason } from "./candidates.js";
import type { TrafficPolicy } from "./traffic-policy.js";

/**
 * The attempts of one request to a rule that sends to an InferencePool: each attempt asks the
 * endpoint picker, leaving out the endpoints this request already tried and those ejected (unless
 * every untried one is: then they are asked anyway, as Envoy's panic routing does), up to the pool's
 * maxAttempts. When the pool cannot serve the request (no Ready endpoint, shed, or every attempt
 * spent), the rule's fallback tiers (aigw/inference-pool-fallback) take over if it has any;
 * otherwise `reason` says why and `message` is what the client is told.
 */
export class PoolCandidates implements CandidateSource {
  reason: NoCandidateReason | undefined;
  message: string | undefined;
  private attempts = 0;
  private readonly tried = new Set<string>();
  private fallback: Candidates | undefined;
  private excludedBackends: ReadonlySet<string> | undefined;
  /** Endpoint backend key -> address, for sent/finished. */
  private readonly addressOf = new Map<string, string>();
  /** What the picker's sent() returned for the attempt in flight (one attempt at a time). */
  private sentAt: number | undefined;

  constructor(
    private readonly pool: CompiledPool,
    private readonly rule: CompiledRule,
    private readonly policy: TrafficPolicy,
    private readonly health: BackendHealthRegistry,
    private readonly picker: EndpointPicker,
    private readonly request: PoolRequest,
    private readonly prompt: Buffer | undefined,
    private readonly record: InferenceRecord,
  ) {}

  exclude(backendKeys: ReadonlySet<string>): void {
    this.excludedBackends = backendKeys;
  }

  next(): CompiledBackendRef | undefined {
    if (this.fallback) return this.fromFallback();
    if (this.attempts < this.pool.picker.maxAttempts) {
      const endpoint = this.pickEndpoint();
      if (endpoint) {
        this.attempts += 1;
        this.tried.add(endpoint.address);
        this.addressOf.set(endpoint.backend.key, endpoint.address);
        return this.refOf(endpoint);
      }
    } else if (this.record.refused === undefined) {
      this.reason = "exhausted";
    }
    if (this.rule.tiers.length > 0) {
      this.record.fallback = true;
      this.fallback = new Candidates(this.rule.tiers, this.policy, this.health);
      if (this.excludedBackends) this.fallback.exclude(this.excludedBackends);
      return this.fromFallback();
    }
    return undefined;
  }

  hasLaterTier(): boolean {
    return this.fallback ? this.fallback.hasLaterTier() : this.rule.tiers.length > 0;
  }

  moveToNextTier(): void {
    if (this.fallback) {
      this.fallback.moveToNextTier();
      return;
    }
    // From the pool to its fallback: no more picks.
    this.attempts = this.pool.picker.maxAttempts;
  }

  sent(ref: CompiledBackendRef): void {
    const address = this.addressOf.get(ref.backend.key);
    if (address !== undefined) this.sentAt = this.picker.sent(this.pool, address);
  }

  finished(ref: CompiledBackendRef): void {
    const address = this.addressOf.get(ref.backend.key);
    if (address === undefined) return;
    this.picker.finished(this.pool, address, this.sentAt);
    this.sentAt = undefined;
  }

  private fromFallback(): CompiledBackendRef | undefined {
    const ref = this.fallback!.next();
    if (!ref && this.record.refused === undefined) this.reason = this.fallback!.reason;
    return ref;
  }

  /** Asks the picker; undefined (with reason and record set) when the pool cannot serve. */
  private pickEndpoint(): PoolEndpoint | undefined {
    const now = performance.now();
    const health = this.health;
    const outcome = this.picker.pick(this.pool, {
      model: this.request.model,
      prompt: this.prompt,
      priority: this.request.priority,
      exclude: this.tried,
      // Ejected endpoints are passed over unless every untried one is (the picker's panic mode).
      available: (e) => health.get(e.backend.key).available(now),
    });
    const record = this.record;
    if (outcome.kind === "picked") {
      record.endpoint = outcome.endpoint.address;
      record.reason = outcome.reason;
      if (outcome.scores.length > 0) record.scores = outcome.scores;
      else delete record.scores;
      return outcome.endpoint;
    }
    if (this.attempts > 0) {
      // Retries ran out of endpoints: the loop answers with the last attempt's failure.
      this.reason = "exhausted";
      return undefined;
    }
    record.refused = outcome.kind === "shed" ? "shed" : "no_endpoint";
    record.message = outcome.message;
    this.reason = record.refused;
    this.message = outcome.message;
    return undefined;
  }

  private refOf(endpoint: PoolEndpoint): CompiledBackendRef {
    const model = this.request.model;
    return {
      backend: endpoint.backend,
      weight: 1,
      priority: 0,
      modelNameOverride: model,
      headerMutation: undefined,
      bodyMutation: undefined,
    };
  }
}

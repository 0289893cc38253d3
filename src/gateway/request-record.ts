import type { ClientApi } from "../providers/translator.js";
import type { TokenUsage } from "../usage/token-usage.js";

/**
 * What the gateway knows about one finished request: the routing decision and the tokens counted.
 * The access log prints it; accounting and metrics (later) consume it; tests assert on it.
 */
export interface RequestRecord {
  /**
   * The request's id, sent back as `x-aigw-request-id`: a UUIDv7 of its start time, which is also
   * its ledger record's id, so that a client's answer leads to its record.
   */
  requestId: string;
  /** Client API, e.g. "openai-chat". */
  api: ClientApi;
  /** gen_ai.operation.name: "chat", "completion", "embeddings", "messages", ... */
  operation: string;
  /** Path the client called. */
  path: string;
  /**
   * Who called: the API-key client id or the JWT `sub` that the route's SecurityPolicy verified;
   * undefined on a route no SecurityPolicy applies to.
   */
  consumer: string | undefined;
  /**
   * Request header values under their attribute names (`--request-header-attributes`), read after
   * authentication set the identity headers; undefined when no mapping is configured.
   */
  attributes: Readonly<Record<string, string>> | undefined;
  /**
   * The attributes metrics label the request with, when they have a mapping of their own
   * (`OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES`); undefined: metrics use `attributes`.
   */
  metricAttributes?: Readonly<Record<string, string>>;
  /** Authentication or authorization refused the request (401/403): no ledger record. */
  authRefused: boolean;
  /** The model the client asked for. */
  originalModel: string | undefined;
  /** The model sent upstream (after modelNameOverride). */
  requestModel: string | undefined;
  /** The model the upstream reported. */
  responseModel: string | undefined;
  /** "namespace/name" of the matched AIGatewayRoute. */
  route: string | undefined;
  /** Name (or index) of the matched rule. */
  rule: string | undefined;
  /** "namespace/name" of the chosen AIServiceBackend. */
  backend: string | undefined;
  /** gen_ai.provider.name of that backend ("openai", "aws.bedrock", ...), from its schema. */
  provider: string | undefined;
  /** Status the client got. */
  status: number;
  stream: boolean;
  usage: TokenUsage;
  /** Part of `usage` is the gateway's estimate (a stream the client abandoned before usage arrived). */
  usageEstimated?: boolean;
  /** Request cost per configured llmRequestCosts metadata key. */
  costs: Record<string, number>;
  /** Total time from request start to the last byte, ms. */
  durationMs: number;
  /** Streams: time to the first upstream byte written to the client, ms. */
  timeToFirstByteMs: number | undefined;
  /** Why it failed, when it did: "client_closed", "upstream_unreachable", "timeout", ... */
  error: string | undefined;
  /** Every upstream attempt in order: the last one gave the answer (or the failure). */
  attempts: AttemptRecord[];
}

/** One try at one backend. */
export interface AttemptRecord {
  /** "namespace/name" of the AIServiceBackend. */
  backend: string;
  /** The upstream's status, 0 when no response headers arrived. */
  status: number;
  /** Why the attempt did not give the answer ("upstream_unreachable", "timeout", ...), if it failed. */
  error: string | undefined;
  durationMs: number;
}

export type RequestListener = (record: RequestRecord) => void;

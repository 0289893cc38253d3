import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import type { EndpointScore, PickReason } from "../inference/endpoint-picker.js";
import type { ClientApi } from "../providers/translator.js";
import { emptyUsage, type TokenUsage } from "../usage/token-usage.js";

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
  /** The rule's match that chose it (`x-ai-eg-model=gpt-4o`, `&`-joined); unset for a rule without matches. */
  match?: string;
  /** "namespace/name" of the BackendSecurityPolicy that gave the answering backend its credentials. */
  credentialPolicy?: string;
  /** The access log's own header attributes (`OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES`). */
  logAttributes?: Readonly<Record<string, string>>;
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
  /** On a rule that sends to an InferencePool: what the endpoint picker decided, and why. */
  inference?: InferenceRecord;
  /** With tracing on: the trace the request's span belongs to (32 hex digits). */
  traceId?: string;
  /**
   * Every token rate-limit and quota counter the request was checked against, with what it decided;
   * only on routes that have limits (undefined elsewhere).
   */
  limits?: LimitRecord[];
}

/** One counter a request was checked against: a rate-limit rule's or a quota's bucket. */
export interface LimitRecord {
  /** The rule as its 429 names it: "BackendTrafficPolicy default/p rateLimit.global.rules[0]". */
  rule: string;
  kind: "rate_limit" | "quota";
  /**
   * Which of the rule's buckets: its selected client values as the counter key holds them (`|`
   * between values, "" when the rule has no Distinct selector). A rule whose Distinct selectors read
   * a credential header (authorization, an API key, a cookie, a token...) shows `sha256:` and 16 hex
   * digits of the values' SHA-256 instead, never the credential.
   */
  bucket: string;
  limit: number;
  /** What the counter held before this request (0 when the store could not be read). */
  used: number;
  /** What is left after this request's up-front cost (the limit when the store could not be read). */
  remaining: number;
  /**
   * allowed; refused (this counter refused the request, or took its backend out of the candidates);
   * shadow_refused (a shadow-mode bucket that is spent: counted, never enforced); unknown (the store
   * could not be asked: Redis down, the check failed open or closed).
   */
  outcome: "allowed" | "refused" | "shadow_refused" | "unknown";
  /** Epoch ms at which the counter's window ends. */
  windowEndMs?: number;
}

/** The endpoint picker's decision for one request (the last pick when attempts were retried). */
export interface InferenceRecord {
  /** "namespace/name" of the InferencePool. */
  pool: string;
  /** The InferenceObjective the request named, when the pool has it. */
  objective?: string;
  /** The objective's priority (0 without one; negative = sheddable). */
  priority: number;
  /** The endpoint picked last ("ip:port"); every endpoint tried is in `attempts`. */
  endpoint?: string;
  /** Why that endpoint: scored, saturated, stale, random, round-robin. */
  reason?: PickReason;
  /** Candidates' scores at that pick, best first (scored picks only). */
  scores?: readonly EndpointScore[];
  /** Why the pool did not serve the request: shed (429) or no_endpoint (503). */
  refused?: "shed" | "no_endpoint";
  /** The picker's explanation of `refused`. */
  message?: string;
  /** The rule's fallback backends took the request (aigw/inference-pool-fallback). */
  fallback?: boolean;
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

/** The record of a request that has just arrived at `endpoint`: nothing decided or counted yet. */
export function newRequestRecord(
  endpoint: Pick<ClientEndpoint, "api" | "operation">,
  path: string,
  requestId: string,
): RequestRecord {
  return {
    requestId,
    api: endpoint.api,
    operation: endpoint.operation,
    path,
    consumer: undefined,
    attributes: undefined,
    authRefused: false,
    originalModel: undefined,
    requestModel: undefined,
    responseModel: undefined,
    route: undefined,
    rule: undefined,
    backend: undefined,
    provider: undefined,
    status: 0,
    stream: false,
    usage: emptyUsage(),
    costs: {},
    durationMs: 0,
    timeToFirstByteMs: undefined,
    error: undefined,
    attempts: [],
  };
}

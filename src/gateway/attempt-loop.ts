import type { ServerResponse } from "node:http";
import type { CompiledBackendRef, CompiledRoute, CompiledRule } from "../config/snapshot.js";
import { type ResponseTranslator, UpstreamProtocolError } from "../providers/translator.js";
import type { AttemptOutcome, BackendHealth, BackendHealthRegistry } from "../upstream/backend-health.js";
import { type CandidateSource, Candidates } from "../upstream/candidates.js";
import {
  type AttemptFailure,
  backOffMs,
  failureIsRetriable,
  outcomeOfStatus,
  retryAfterMs,
  statusIsRetriable,
} from "../upstream/retry-decision.js";
import type { TrafficPolicy } from "../upstream/traffic-policy.js";
import { type AttemptSink, UpstreamAttempt } from "../upstream/upstream-attempt.js";
import { GatewayError } from "./gateway-error.js";
import { type ClientCall, type PreparedAttempt, prepareAttempt } from "./prepare-attempt.js";
import type { AttemptRecord, RequestRecord } from "./request-record.js";
import { sendBody } from "./send-response.js";
import { describeUpstreamError } from "./upstream-error.js";
import { clientResponseHeaders } from "./upstream-headers.js";

const DROPPED_REASON_HEADER = "x-llm-d-request-dropped-reason";

/** A non-streamed answer is held whole before it is relayed; past this it is refused (502). */
const MAX_BUFFERED_ANSWER = 128 * 1024 * 1024;

export interface LoopSetup {
  res: ServerResponse;
  call: ClientCall;
  record: RequestRecord;
  route: CompiledRoute;
  rule: CompiledRule;
  health: BackendHealthRegistry;
  /** performance.now() when the request arrived. */
  started: number;
  /** Called once when the request is over, whatever happened. */
  done: (record: RequestRecord) => void;
  /** Answers a GatewayError in the client's envelope (the one place that does). */
  answer: (error: GatewayError) => void;
  /** Name the backend and the attempt count in the answer (x-aigw-backend, x-aigw-attempts). */
  debugHeaders: boolean;
  /** Tracing with outputs recorded: handed every byte relayed to the client. */
  capture?: (chunk: Buffer | string) => void;
  /** The attempts' order when it is not the rule's backends (an InferencePool's PoolCandidates). */
  candidates?: CandidateSource;
}

/** What the current attempt's answer is being used for. */
type Mode = "waiting" | "buffer" | "stream";

/**
 * Tries a rule's backends in the order `Candidates` gives until one answers, and relays that answer.
 * The client's answer is committed only when it can no longer be retried: a non-streamed answer once
 * it is complete, a stream at its first translated byte. Before that, a connect failure, reset,
 * timeout, stall or retriable status moves to the next candidate (after the policy's back-off),
 * translated and signed afresh from the client's original body. After it, an upstream failure ends
 * the stream with an error event in the client API's format. Every attempt is recorded.
 */
export class AttemptLoop implements AttemptSink {
  private readonly candidates: CandidateSource;
  /** The rule's traffic policy, else the route's. */
  private readonly traffic: TrafficPolicy;
  private current: UpstreamAttempt | undefined;
  private prepared: PreparedAttempt | undefined;
  private translated: ResponseTranslator | undefined;
  private mode: Mode = "waiting";
  private status = 0;
  private headers: Record<string, string | string[] | number> | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private committed = false;
  private retries = 0;
  private requestTimer: NodeJS.Timeout | undefined;
  private backOffTimer: NodeJS.Timeout | undefined;
  private finished = false;
  /** The health of the backend the attempt in flight holds a circuit-breaker slot of. */
  private inFlight: BackendHealth | undefined;
  /** The backend of the attempt in flight, for the candidates' load accounting. */
  private inFlightRef: CompiledBackendRef | undefined;
  /** The committed stream's entry in record.attempts: amended, not repeated, when that attempt ends. */
  private committedEntry: AttemptRecord | undefined;
  /** Translated chunks written to the client: the output estimate of a stream the client abandoned. */
  private relayedChunks = 0;

  constructor(private readonly s: LoopSetup) {
    this.traffic = s.rule.traffic ?? s.route.traffic;
    this.candidates = s.candidates ?? new Candidates(s.rule.tiers, this.traffic, s.health);
    if (s.call.excludedBackends) this.candidates.exclude(s.call.excludedBackends);
  }

  start(): void {
    this.s.res.on("close", this.onClientClose);
    const timeout = this.s.rule.requestTimeoutMs;
    if (timeout > 0) this.requestTimer = setTimeout(AttemptLoop.onRequestTimeout, timeout, this);
    const first = this.candidates.next();
    if (!first) {
      this.fail(this.noCandidateError());
      return;
    }
    this.attempt(first);
  }

  /** Why the request cannot be tried anywhere, in the client's terms. */
  private noCandidateError(): GatewayError {
    const { reason, message } = this.candidates;
    // llm-d's router names why it dropped a request in this header; clients of it may read it.
    if (reason === "shed")
      return new GatewayError(429, "TooManyRequests", message ?? "request shed", "shed", undefined, {
        [DROPPED_REASON_HEADER]: "rejected-saturated",
      });
    if (reason === "no_endpoint")
      return new GatewayError(
        503,
        "ServiceUnavailable",
        message ?? "no ready endpoint",
        "no_endpoint",
        undefined,
        {
          [DROPPED_REASON_HEADER]: "rejected-no-endpoints",
        },
      );
    if (reason === "overflow")
      return new GatewayError(
        503,
        "ServiceUnavailable",
        "upstream overflow: every backend is at its circuit-breaker limit",
        "overflow",
      );
    return new GatewayError(
      503,
      "ServiceUnavailable",
      `no backend available for model ${this.s.call.model}`,
      "no_backend",
    );
  }

  // ---- attempts ---------------------------------------------------------------------------------

  private attempt(ref: CompiledBackendRef): void {
    const { record } = this.s;
    record.backend = ref.backend.key;
    record.provider = ref.backend.providerName;
    record.credentialPolicy = ref.backend.credentialPolicy;
    if (this.s.debugHeaders) {
      // Attempts happen before the answer is committed: its headers are not sent yet.
      this.s.res.setHeader("x-aigw-backend", ref.backend.key);
      this.s.res.setHeader("x-aigw-attempts", String(record.attempts.length + 1));
    }
    record.requestModel = ref.modelNameOverride ?? this.s.call.model;
    let prepared: ReturnType<typeof prepareAttempt>;
    try {
      prepared = prepareAttempt(this.s.call, ref);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (prepared === undefined) {
      this.noteAttempt(ref.backend.key, 0, "unsupported_schema");
      const next = this.candidates.next();
      if (next) {
        this.attempt(next);
        return;
      }
      const message = `backend ${ref.backend.key} (schema ${ref.backend.schema.name}) does not serve ${this.s.call.path}`;
      this.fail(new GatewayError(400, "BadRequest", message, "unsupported_schema"));
      return;
    }
    if (prepared instanceof Promise) {
      prepared.then(
        (p) => this.dispatch(p),
        (err: unknown) => this.fail(err),
      );
      return;
    }
    this.dispatch(prepared);
  }

  private dispatch(prepared: PreparedAttempt): void {
    if (this.finished) return;
    const { rule } = this.s;
    const retry = this.traffic.retry;
    this.prepared = prepared;
    this.translated = undefined;
    this.mode = "waiting";
    this.chunks = [];
    this.buffered = 0;
    const attempt = new UpstreamAttempt(
      this,
      {
        headersMs: retry.perTryTimeoutMs,
        totalMs: rule.backendRequestTimeoutMs,
        idleMs: this.s.call.stream ? rule.streamIdleTimeoutMs : 0,
      },
      prepared.ref,
    );
    this.current = attempt;
    const health = this.s.health.get(prepared.ref.backend.key);
    health.inFlight += 1;
    this.inFlight = health;
    this.inFlightRef = prepared.ref;
    this.candidates.sent?.(prepared.ref);
    attempt.start(prepared.ref.backend.dispatcher, prepared.dispatch);
  }

  onAttemptHeaders(
    attempt: UpstreamAttempt,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (attempt !== this.current) return;
    const prepared = this.prepared!;
    this.status = status;
    try {
      this.translated = prepared.translator.response({
        status,
        headers,
        requestModel: prepared.request.model,
        stream: prepared.request.stream,
        request: prepared.request,
      });
    } catch (err) {
      this.internalError(err);
      return;
    }
    if (status === 429 || status === 503) {
      const pause = retryAfterMs(headers["retry-after"], Date.now(), this.traffic.retryAfterMaxMs);
      if (pause !== undefined)
        this.s.health.get(prepared.ref.backend.key).pauseUntil(performance.now() + pause);
    }
    this.headers = clientResponseHeaders(headers);
    if (this.s.call.responseHeaders) Object.assign(this.headers, this.s.call.responseHeaders);
    this.mode = prepared.request.stream && status < 300 ? "stream" : "buffer";
  }

  onAttemptData(attempt: UpstreamAttempt, chunk: Buffer): void {
    if (attempt !== this.current) return;
    if (this.mode === "buffer") {
      this.buffered += chunk.length;
      if (this.buffered > MAX_BUFFERED_ANSWER) {
        attempt.abort();
        this.onFailedBeforeCommit("reset", "bad_answer", new Error("the upstream answer exceeds 128 MiB"));
        return;
      }
      this.chunks.push(chunk);
      return;
    }
    let out: Buffer | string | undefined;
    try {
      out = this.translated!.chunk(chunk);
    } catch (err) {
      this.onTranslationFailure(attempt, err);
      return;
    }
    if (out === undefined || out.length === 0) return;
    const { res, record } = this.s;
    if (!this.committed) this.commitStream();
    record.timeToFirstByteMs ??= performance.now() - this.s.started;
    this.relayedChunks += 1;
    this.s.capture?.(out);
    if (!res.write(out)) {
      attempt.pause();
      res.once("drain", () => attempt.resume());
    }
  }

  onAttemptEnd(attempt: UpstreamAttempt): void {
    if (attempt !== this.current) return;
    const translated = this.translated!;
    const { res, record } = this.s;
    if (this.mode === "stream") {
      let tail: Buffer | string | undefined;
      try {
        tail = translated.end();
      } catch (err) {
        this.onTranslationFailure(attempt, err);
        return;
      }
      this.settleAttempt("success");
      if (!this.committed) this.commitStream();
      else this.noteAttempt(this.prepared!.ref.backend.key, this.status, undefined);
      if (tail !== undefined && tail.length > 0) {
        this.s.capture?.(tail);
        res.end(tail);
      } else res.end();
      this.account();
      this.finish();
      return;
    }
    const chunks = this.chunks;
    this.chunks = [];
    let out: ReturnType<ResponseTranslator["body"]>;
    try {
      out = translated.body(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    } catch (err) {
      this.onTranslationFailure(attempt, err);
      return;
    }
    const status = this.status;
    this.settleAttempt(outcomeOfStatus(status));
    if (status >= 400) {
      const next = this.retryAfterStatus(status);
      if (next) {
        this.noteAttempt(this.prepared!.ref.backend.key, status, undefined);
        this.retryWith(next);
        return;
      }
    }
    record.status = out.status;
    this.noteAttempt(this.prepared!.ref.backend.key, out.status, undefined);
    this.committed = true;
    this.s.capture?.(out.body);
    sendBody(res, out.status, out.contentType, out.body, this.headers);
    this.account();
    this.finish();
  }

  onAttemptFailure(attempt: UpstreamAttempt, failure: AttemptFailure, error: Error | undefined): void {
    if (attempt !== this.current) return;
    this.settleAttempt("local-origin");
    if (this.committed) {
      const message =
        failure === "idle_timeout"
          ? `stream idle timeout: the upstream sent nothing for ${this.s.rule.streamIdleTimeoutMs} ms`
          : failure === "timeout"
            ? "upstream request timeout"
            : `upstream reset after the stream started: ${describeUpstreamError(error)}`;
      this.noteAttempt(this.prepared!.ref.backend.key, this.status, logCodeOf(failure));
      this.endStreamWithError(
        failure === "idle_timeout" || failure === "timeout" ? 504 : 502,
        logCodeOf(failure),
        message,
      );
      return;
    }
    this.onFailedBeforeCommit(failure, logCodeOf(failure), error);
  }

  // ---- decisions --------------------------------------------------------------------------------

  /** A failure before the client got anything: retry if the policy allows, else answer it. */
  private onFailedBeforeCommit(failure: AttemptFailure, logCode: string, error: Error | undefined): void {
    const afterHeaders = this.mode !== "waiting";
    this.noteAttempt(this.prepared!.ref.backend.key, afterHeaders ? this.status : 0, logCode);
    const next = this.retryAfterFailure(failure);
    if (next) {
      this.retryWith(next);
      return;
    }
    this.fail(failureError(failure, logCode, afterHeaders, error, this.s.rule.streamIdleTimeoutMs));
  }

  private retryAfterStatus(status: number): CompiledBackendRef | undefined {
    const retry = this.traffic.retry;
    if (statusIsRetriable(status, retry) && this.retries < retry.numRetries) return this.nextCandidate();
    if (retry.failoverStatusToNextTier && (status === 429 || status >= 500)) return this.nextTier();
    return undefined;
  }

  private retryAfterFailure(failure: AttemptFailure): CompiledBackendRef | undefined {
    const retry = this.traffic.retry;
    if (failureIsRetriable(failure, retry) && this.retries < retry.numRetries) return this.nextCandidate();
    if (retry.failoverStatusToNextTier) return this.nextTier();
    return undefined;
  }

  private nextCandidate(): CompiledBackendRef | undefined {
    const ref = this.candidates.next();
    if (ref) this.retries += 1;
    return ref;
  }

  /** The no-policy failover: to the next priority tier, not counted against numRetries. */
  private nextTier(): CompiledBackendRef | undefined {
    if (!this.candidates.hasLaterTier()) return undefined;
    this.candidates.moveToNextTier();
    return this.candidates.next();
  }

  private retryWith(next: CompiledBackendRef): void {
    this.current = undefined;
    const policy = this.traffic;
    // The no-policy tier failover goes to another provider at once; a policy's retries back off.
    const delay = policy.retry.failoverStatusToNextTier ? 0 : backOffMs(this.retries, policy.retry);
    if (delay <= 0) {
      this.attempt(next);
      return;
    }
    this.backOffTimer = setTimeout(() => {
      this.backOffTimer = undefined;
      if (!this.finished) this.attempt(next);
    }, delay);
  }

  // ---- the client's answer ----------------------------------------------------------------------

  private commitStream(): void {
    const { res, record } = this.s;
    this.committed = true;
    record.status = this.status;
    this.noteAttempt(this.prepared!.ref.backend.key, this.status, undefined);
    const headers = this.headers!;
    headers["content-type"] = this.translated!.streamContentType;
    res.writeHead(this.status, headers);
  }

  private endStreamWithError(status: number, logCode: string, message: string): void {
    const { res, record, call } = this.s;
    record.error = logCode;
    const type = status === 504 ? "GatewayTimeout" : "BadGateway";
    if (!res.destroyed) res.end(call.endpoint.streamErrorEvent(status, type, message));
    this.account();
    this.finish();
  }

  private onTranslationFailure(attempt: UpstreamAttempt, err: unknown): void {
    if (!(err instanceof UpstreamProtocolError)) {
      this.internalError(err);
      return;
    }
    attempt.abort();
    this.settleAttempt("gateway-error");
    if (this.committed) {
      this.noteAttempt(this.prepared!.ref.backend.key, this.status, "bad_answer");
      this.endStreamWithError(502, "bad_answer", `the upstream answer is malformed: ${err.message}`);
      return;
    }
    this.noteAttempt(this.prepared!.ref.backend.key, this.status, "bad_answer");
    const next = this.retryAfterFailure("reset");
    if (next) {
      this.retryWith(next);
      return;
    }
    this.fail(
      new GatewayError(502, "BadGateway", `the upstream answer is malformed: ${err.message}`, "bad_answer"),
    );
  }

  /** A translator threw something unexpected (a bug): 500 if nothing was sent yet, else an error event. */
  private internalError(err: unknown): void {
    this.current?.abort();
    this.settleAttempt(undefined);
    if (this.prepared) this.noteAttempt(this.prepared.ref.backend.key, this.status, "internal_error");
    const logCode = `internal_error: ${(err as Error).message}`;
    if (this.committed) {
      this.endStreamWithError(502, logCode, "the gateway failed to translate the answer");
      return;
    }
    this.fail(new GatewayError(500, "InternalError", "the gateway failed to translate the answer", logCode));
  }

  /** Ends the request with a gateway-made answer (GatewayError) or an unexpected error. */
  private fail(err: unknown): void {
    if (this.finished) return;
    const error =
      err instanceof GatewayError
        ? err
        : new GatewayError(
            500,
            "InternalError",
            "internal gateway error",
            `internal_error: ${(err as Error)?.message}`,
          );
    this.current?.abort();
    this.settleAttempt(undefined);
    if (this.committed) {
      this.endStreamWithError(error.status, error.logCode, error.message);
      return;
    }
    this.committed = true;
    this.s.answer(error);
    this.account();
    this.finish();
  }

  private readonly onClientClose = (): void => {
    if (this.finished || this.s.res.writableFinished) return;
    this.current?.abort();
    this.settleAttempt(undefined);
    this.s.record.error = "client_closed";
    this.account(this.committed && this.mode === "stream");
    this.finish();
  };

  /**
   * The client left a stream part way and the upstream was cancelled (it stops generating, and
   * bills what it generated). What it produced is still charged: the usage it reported, and where it
   * reported none (most report at the end), an estimate: the input at about 4 characters a token,
   * the output as one token per relayed chunk (upstreams send about one token per chunk).
   */
  private estimateAbandonedUsage(): void {
    const { record, call } = this.s;
    const usage = record.usage;
    let estimated = false;
    // A multipart body is mostly an audio file, whose bytes say nothing about tokens; an answer that
    // is always streamed (speech) relays audio, whose chunks are not tokens. Neither is estimated.
    if (usage.inputTokens === 0 && call.endpoint.bodyFormat !== "multipart") {
      usage.inputTokens = Math.ceil(call.raw.length / 4);
      estimated = true;
    }
    if (usage.outputTokens === 0 && this.relayedChunks > 0 && !call.endpoint.alwaysStreams) {
      usage.outputTokens = this.relayedChunks;
      estimated = true;
    }
    if (!estimated) return;
    usage.totalTokens = usage.inputTokens + usage.outputTokens;
    record.usageEstimated = true;
  }

  /** Static, with the loop as the timer's argument: no closure per request. */
  private static onRequestTimeout(loop: AttemptLoop): void {
    if (loop.finished) return;
    loop.requestTimer = undefined;
    if (loop.committed) {
      loop.current?.abort();
      loop.settleAttempt(undefined);
      if (loop.prepared) loop.noteAttempt(loop.prepared.ref.backend.key, loop.status, "timeout");
      loop.endStreamWithError(504, "timeout", "upstream request timeout");
      return;
    }
    if (loop.prepared) loop.noteAttempt(loop.prepared.ref.backend.key, 0, "timeout");
    loop.fail(new GatewayError(504, "GatewayTimeout", "upstream request timeout", "timeout"));
  }

  // ---- bookkeeping ------------------------------------------------------------------------------

  /** The attempt in flight is over: release its circuit-breaker slot and count its health outcome. */
  private settleAttempt(outcome: AttemptOutcome | undefined): void {
    const health = this.inFlight;
    if (health === undefined) return;
    this.inFlight = undefined;
    health.inFlight -= 1;
    if (this.inFlightRef) this.candidates.finished?.(this.inFlightRef);
    this.inFlightRef = undefined;
    if (outcome === undefined) return;
    // The happy path only resets the backend's failure counts; the rule is looked at on failures.
    if (outcome === "success") {
      health.recordSuccess();
      return;
    }
    const passive = this.traffic.passive;
    health.record(outcome, passive, performance.now(), this.mayEjectAnother(passive.maxEjectionPercent));
  }

  /** maxEjectionPercent of the rule's backends (and pool endpoints), but at least one may always be ejected. */
  private mayEjectAnother(percent: number): boolean {
    const now = performance.now();
    let total = 0;
    let ejected = 0;
    for (const endpoint of this.s.rule.pool?.endpoints ?? []) {
      total += 1;
      if (this.s.health.get(endpoint.backend.key).isEjected(now)) ejected += 1;
    }
    for (const tier of this.s.rule.tiers) {
      for (const ref of tier) {
        total += 1;
        if (this.s.health.get(ref.backend.key).isEjected(now)) ejected += 1;
      }
    }
    return ejected < Math.max(1, Math.floor((total * percent) / 100));
  }

  /**
   * Records how an attempt ended. A stream is recorded when it is committed (its first byte); if that
   * attempt then ends, well or not, its entry is amended (error, duration): one entry per attempt.
   */
  private noteAttempt(backend: string, status: number, error: string | undefined): void {
    const now = performance.now();
    const durationMs = now - (this.current?.startedAt ?? now);
    const committed = this.committedEntry;
    if (committed) {
      committed.error = error;
      committed.durationMs = durationMs;
      return;
    }
    const entry: AttemptRecord = { backend, status, error, durationMs };
    this.s.record.attempts.push(entry);
    if (this.committed) this.committedEntry = entry;
  }

  /**
   * Usage and the request's costs, from what the committed attempt's translator counted (estimated
   * where a stream the client left had reported none yet).
   */
  private account(abandonedStream = false): void {
    const { record, route } = this.s;
    const translated = this.translated;
    if (!translated) return;
    record.responseModel = translated.responseModel;
    Object.assign(record.usage, translated.usage);
    if (abandonedStream) this.estimateAbandonedUsage();
    if (record.status < 300 && route.costs.length > 0) {
      record.costs = route.computeCosts({
        model: record.requestModel ?? this.s.call.model,
        backend: record.backend ?? "",
        route_name: route.key,
        usage: record.usage,
      });
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.requestTimer) clearTimeout(this.requestTimer);
    if (this.backOffTimer) clearTimeout(this.backOffTimer);
    this.s.res.off("close", this.onClientClose);
    this.s.done(this.s.record);
  }
}

/**
 * A failure in the access log's vocabulary (record.error and each attempt's error): a refused or
 * failed connection is `upstream_unreachable`, a broken one `upstream_reset`; timeouts keep their name.
 */
function logCodeOf(failure: AttemptFailure): string {
  if (failure === "connect_failure") return "upstream_unreachable";
  if (failure === "reset" || failure === "refused_stream") return "upstream_reset";
  return failure;
}

/** What the client is told when no attempt could answer, Envoy's wording where it has one. */
function failureError(
  failure: AttemptFailure,
  logCode: string,
  afterHeaders: boolean,
  error: Error | undefined,
  idleMs: number,
): GatewayError {
  if (logCode === "bad_answer")
    return new GatewayError(502, "BadGateway", `the upstream answer is unusable: ${error?.message}`, logCode);
  if (failure === "timeout")
    return new GatewayError(504, "GatewayTimeout", "upstream request timeout", "timeout");
  if (failure === "idle_timeout") {
    const message = `stream idle timeout: the upstream sent nothing for ${idleMs} ms`;
    return new GatewayError(504, "GatewayTimeout", message, "idle_timeout");
  }
  if (afterHeaders) {
    const message = `upstream reset after the response headers: ${describeUpstreamError(error)}`;
    return new GatewayError(502, "BadGateway", message, "upstream_reset");
  }
  if (failure === "per_try_timeout")
    return new GatewayError(504, "GatewayTimeout", "upstream per-try timeout", "per_try_timeout");
  const message = `upstream connect error or disconnect/reset before headers: ${describeUpstreamError(error)}`;
  return new GatewayError(503, "ServiceUnavailable", message, logCodeOf(failure));
}

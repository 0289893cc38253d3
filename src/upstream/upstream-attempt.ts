import { createRequire } from "node:module";
import type { Transform } from "node:stream";
import type { Dispatcher } from "undici";
import { firstValue } from "../util/first-value.js";
import type { AttemptFailure } from "./retry-decision.js";

/** What an attempt reports to whoever drives it (the attempt loop). Each call ends or continues it. */
export interface AttemptSink {
  /** The response headers arrived: the answer's status is known. */
  onAttemptHeaders(
    attempt: UpstreamAttempt,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void;
  /** A chunk of the body, already decoded when the upstream compressed it. */
  onAttemptData(attempt: UpstreamAttempt, chunk: Buffer): void;
  onAttemptEnd(attempt: UpstreamAttempt): void;
  /** The attempt failed on its own (never called after `abort`). */
  onAttemptFailure(attempt: UpstreamAttempt, failure: AttemptFailure, error: Error | undefined): void;
}

export interface AttemptTimeouts {
  /** Time to the response headers (perRetry.timeout); 0 = none. Retried like a `reset`. */
  headersMs: number;
  /** The whole attempt (timeouts.backendRequest); 0 = none. */
  totalMs: number;
  /** Longest silence between body chunks (streamIdleTimeout); 0 = none. */
  idleMs: number;
}

/**
 * One request to one backend over undici's low-level dispatch API (no stream object, promise or
 * AbortSignal per request): it times the attempt, decodes a compressed answer, and reports headers,
 * chunks, the end or a classified failure to its sink. `abort` closes the upstream connection at
 * once (undici destroys the socket of an aborted HTTP/1.1 request); after it the sink hears nothing.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private connected = false;
  private gotHeaders = false;
  private aborted = false;
  private ended = false;
  private headersTimer: NodeJS.Timeout | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private decoder: Transform | undefined;
  readonly startedAt = performance.now();

  constructor(
    private readonly sink: AttemptSink,
    private readonly timeouts: AttemptTimeouts,
    /** What the attempt loop keeps about it (the backend ref, its translator ...). */
    readonly tag: unknown,
  ) {}

  start(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): void {
    const { headersMs, totalMs } = this.timeouts;
    if (headersMs > 0) this.headersTimer = setTimeout(UpstreamAttempt.onHeadersTimeout, headersMs, this);
    if (totalMs > 0) this.totalTimer = setTimeout(UpstreamAttempt.onTotalTimeout, totalMs, this);
    dispatcher.dispatch(options, this);
  }

  /** Stops the upstream while the client cannot take more (back-pressure); the idle clock stops too. */
  pause(): void {
    this.paused = true;
    this.controller?.pause();
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  resume(): void {
    if (!this.paused || this.aborted) return;
    this.paused = false;
    this.idleTimer?.refresh();
    this.controller?.resume();
  }

  /** Ends the attempt from our side (client gone, request timeout, retry chosen, translation failed). */
  abort(): void {
    if (this.aborted || this.ended) return;
    this.aborted = true;
    this.clearTimers();
    this.decoder?.destroy();
    this.controller?.abort(new Error("aborted by the gateway"));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.connected = true;
    if (this.aborted) controller.abort(new Error("aborted by the gateway"));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.controller = controller;
    if (this.aborted) return;
    this.gotHeaders = true;
    if (this.headersTimer) clearTimeout(this.headersTimer);
    if (this.timeouts.idleMs > 0)
      this.idleTimer = setTimeout(UpstreamAttempt.onIdleTimeout, this.timeouts.idleMs, this);
    this.decoder = decoderFor(firstValue(headers["content-encoding"]));
    if (this.decoder) {
      this.decoder.on("data", (chunk: Buffer) => {
        if (!this.aborted) this.sink.onAttemptData(this, chunk);
      });
      this.decoder.on("end", () => this.finish());
      this.decoder.on("error", (err: Error) => this.fail("reset", err));
    }
    this.sink.onAttemptHeaders(this, statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.aborted) return;
    this.idleTimer?.refresh();
    if (this.decoder) this.decoder.write(chunk);
    else this.sink.onAttemptData(this, chunk);
  }

  onResponseEnd(): void {
    if (this.aborted) return;
    if (this.decoder) this.decoder.end();
    else this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.aborted) return;
    this.fail(this.connected ? "reset" : "connect_failure", error);
  }

  private finish(): void {
    if (this.aborted || this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.sink.onAttemptEnd(this);
  }

  private fail(failure: AttemptFailure, error: Error | undefined): void {
    if (this.aborted || this.ended) return;
    this.abort();
    this.sink.onAttemptFailure(this, failure, error);
  }

  // Timer callbacks are static and get the attempt as an argument: no closures per attempt.
  private static onHeadersTimeout(attempt: UpstreamAttempt): void {
    if (!attempt.gotHeaders)
      attempt.fail("per_try_timeout", new Error("per-try timeout before the response headers"));
  }

  private static onTotalTimeout(attempt: UpstreamAttempt): void {
    attempt.fail("timeout", new Error("backend request timeout"));
  }

  private static onIdleTimeout(attempt: UpstreamAttempt): void {
    if (!attempt.paused) attempt.fail("idle_timeout", new Error("stream idle timeout"));
  }

  private clearTimers(): void {
    if (this.headersTimer) clearTimeout(this.headersTimer);
    if (this.totalTimer) clearTimeout(this.totalTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }
}

/**
 * Upstreams are never asked for compression, but some answer compressed anyway (seen behind
 * proxies): decoded here, because usage must be read and the client may not expect it.
 */
function decoderFor(encoding: string | undefined): Transform | undefined {
  if (encoding === undefined) return undefined;
  switch (encoding.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib().createGunzip();
    case "br":
      return zlib().createBrotliDecompress();
    case "deflate":
      return zlib().createInflate();
    default:
      return undefined;
  }
}

/** node:zlib, loaded the first time an upstream compresses: most gateways never need it in memory. */
let zlibModule: typeof import("node:zlib") | undefined;
function zlib(): typeof import("node:zlib") {
  zlibModule ??= createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
  return zlibModule;
}

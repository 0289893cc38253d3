import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { LatencyModel } from "./latency-model.js";
import type { ReplicaScheduler, ScheduledSequence, SequenceDemand } from "./replica-scheduler.js";
import { sendOpenAIError } from "./send-openai-error.js";
import type { JsonAnswer, StreamAnswer } from "./sim-answer.js";
import type { SimMetrics } from "./sim-metrics.js";

/** The parts of one simulated replica a request goes through. */
export interface SimReplica {
  readonly scheduler: ReplicaScheduler;
  readonly latency: LatencyModel;
  readonly metrics: SimMetrics;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

/**
 * Sends a built answer as a sequence of the replica: it waits in the scheduler's queue, then the
 * first token comes after the prefill and each further one after an inter-token latency; a JSON
 * answer goes out when its last token would have. With every latency at zero nothing waits: the
 * whole answer goes out in one write from the request's own tick (the benchmark baseline).
 */
export function deliverAnswer(
  res: ServerResponse,
  answer: JsonAnswer | StreamAnswer,
  demand: SequenceDemand,
  replica: SimReplica,
): void {
  const run = new SequenceRun(res, answer, demand, replica);
  if (!replica.scheduler.submit(run)) {
    const { maxWaiting } = replica.scheduler.limits;
    sendOpenAIError(
      res,
      429,
      `The server is overloaded: ${maxWaiting} requests are waiting already. Retry later.`,
      null,
      "rate_limit_exceeded",
      "requests",
    );
    return;
  }
  run.watchWhileWaiting();
}

/**
 * One request's life as a running sequence, driven by timers (no promise or closure per token):
 * `#due` is when the next frame may go out; a timer whose delay did not change is re-armed with
 * refresh() rather than allocated again.
 */
class SequenceRun implements ScheduledSequence {
  readonly #arrivedAt = performance.now();
  #started = false;
  #finished = false;
  #due = 0;
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerDelay = -1;
  readonly #tick = (): void => this.#onTimer();

  constructor(
    private readonly res: ServerResponse,
    private readonly answer: JsonAnswer | StreamAnswer,
    readonly demand: SequenceDemand,
    private readonly replica: SimReplica,
  ) {}

  /** A client that leaves while its request waits takes it out of the queue (vLLM aborts it). */
  watchWhileWaiting(): void {
    if (this.#started) return;
    this.res.once("close", () => {
      if (!this.#started) this.replica.scheduler.cancel(this);
    });
  }

  start(cachedTokens: number, adapterReadyAt: number): void {
    this.#started = true;
    const { scheduler, latency, metrics } = this.replica;
    if (this.res.destroyed) {
      this.#finish(false);
      return;
    }
    const now = performance.now();
    const running = scheduler.running;
    this.#due =
      Math.max(now, adapterReadyAt) + latency.prefillMs(this.demand.promptTokens - cachedTokens, running);
    metrics.recordTimeToFirstToken((this.#due - this.#arrivedAt) / 1000);
    if (this.answer.kind === "json") {
      for (let step = 1; step < this.answer.steps; step++) this.#due += latency.interTokenMs(running);
    } else {
      this.res.writeHead(200, SSE_HEADERS);
      // Headers go first so clients see the stream open while the "model" prefills.
      if (this.#due > now || latency.settings.itlMs > 0) this.res.flushHeaders();
    }
    this.#onTimer();
  }

  #onTimer(): void {
    const now = performance.now();
    // Timers may fire a little early against the monotonic clock: the latency model promises lower bounds.
    if (now < this.#due) {
      this.#arm(this.#due - now);
      return;
    }
    if (this.res.destroyed) {
      this.#finish(false);
      return;
    }
    if (this.answer.kind === "json") {
      sendJson(this.res, this.answer.body);
      this.#finish(true);
      return;
    }
    const { frames } = this.answer;
    if (this.#frame === 0 && this.replica.latency.settings.itlMs === 0) {
      // Nothing separates the tokens: one write, as the zero-latency baseline always did.
      this.res.end(frames.length === 1 ? frames[0] : frames.join(""));
      this.#finish(true);
      return;
    }
    while (this.#due <= now) {
      const frame = frames[this.#frame++]!;
      if (this.#frame === frames.length) {
        this.res.end(frame);
        this.#finish(true);
        return;
      }
      this.res.write(frame);
      this.#due += this.replica.latency.interTokenMs(this.replica.scheduler.running);
    }
    this.#arm(this.#due - now);
  }

  #arm(delayMs: number): void {
    const delay = Math.ceil(delayMs);
    if (this.#timer !== undefined && delay === this.#timerDelay) {
      this.#timer.refresh();
      return;
    }
    this.#timerDelay = delay;
    this.#timer = setTimeout(this.#tick, delay);
  }

  #finish(delivered: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    const { scheduler, metrics } = this.replica;
    scheduler.finish(this);
    if (delivered) {
      metrics.recordSuccess(this.answer.finishReason, this.answer.promptTokens, this.answer.outputTokens);
    }
  }
}

function sendJson(res: ServerResponse, body: string): void {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { AdmissionQueue } from "./admission-queue.js";
import { sendOpenAIError } from "./send-openai-error.js";
import type { JsonAnswer, SimAnswer, StreamAnswer } from "./sim-answer.js";
import type { SimMetrics } from "./sim-metrics.js";
import { sleepUntil } from "./sleep-until.js";

export interface LatencyModel {
  readonly ttftMs: number;
  readonly tpotMs: number;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

/**
 * Sends a built answer under the latency model: wait for a running slot, then the first body byte
 * after ttft and each further token step after tpot. With both at zero nothing waits: the whole
 * answer goes out in one write from the request's own tick (the benchmark baseline).
 */
export async function deliverAnswer(
  res: ServerResponse,
  answer: SimAnswer,
  latency: LatencyModel,
  admission: AdmissionQueue,
  metrics: SimMetrics,
): Promise<void> {
  if (answer.kind === "error") {
    sendOpenAIError(res, answer.status, answer.message, answer.param, answer.code);
    return;
  }
  const queued = admission.acquire();
  if (queued) await queued;
  try {
    const start = performance.now();
    if (answer.kind === "json") await sendJson(res, answer, latency, start);
    else await sendStream(res, answer, latency, start);
    if (!res.destroyed) metrics.recordSuccess(answer.finishReason, answer.promptTokens, answer.outputTokens);
  } finally {
    admission.release();
  }
}

async function sendJson(res: ServerResponse, answer: JsonAnswer, latency: LatencyModel, start: number) {
  const ready = sleepUntil(start + latency.ttftMs + latency.tpotMs * Math.max(0, answer.steps - 1));
  if (ready) await ready;
  if (res.destroyed) return;
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}

async function sendStream(res: ServerResponse, answer: StreamAnswer, latency: LatencyModel, start: number) {
  const { frames } = answer;
  res.writeHead(200, SSE_HEADERS);
  if (latency.ttftMs === 0 && latency.tpotMs === 0) {
    res.end(frames.join(""));
    return;
  }
  // Headers go first so clients see the stream open while the "model" prefills.
  res.flushHeaders();
  const firstToken = start + latency.ttftMs;
  for (let k = 0; k < frames.length; k++) {
    const due = sleepUntil(firstToken + latency.tpotMs * k);
    if (due) await due;
    if (res.destroyed) return;
    if (k === frames.length - 1) res.end(frames[k]);
    else res.write(frames[k]);
  }
}

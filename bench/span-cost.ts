import { fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { newRequestRecord, type RequestRecord } from "../src/gateway/request-record.js";
import { RequestTracer } from "../src/telemetry/request-tracer.js";
import { readTracingConfig } from "../src/telemetry/tracing-config.js";
import { uuidV7 } from "../src/util/uuid-v7.js";
import { startSpanSink } from "./span-sink.js";

/**
 * The CPU the tracer costs a request, in-process, with every thread counted (process.cpuUsage:
 * the SDK's batching, the OTLP serialiser, the export's HTTP request and the garbage collector's
 * helper threads), which a CPU profile of the main thread does not see. Requests are paced as the
 * bench's tracing gateway sees them (`--rate` a second, exports to an OTLP sink in a child process
 * every `OTEL_BSP_SCHEDULE_DELAY`); the same paced loop without a tracer is subtracted, so what
 * is left is the tracer's. Cases alternate in rounds so drifts of the machine hit all alike.
 * Usage: node dist/bench/span-cost.js [--rate 6000] [--seconds 4] [--rounds 3] [--ratios "0 0.1 1"]
 *   [--protocol http/protobuf]; prints one JSON document.
 */
if (process.argv[2] === "--sink") {
  const sink = await startSpanSink();
  process.send?.(sink.url);
  process.on("disconnect", () => {
    sink.close();
    process.exit(0);
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "6000" },
      seconds: { type: "string", default: "4" },
      rounds: { type: "string", default: "3" },
      ratios: { type: "string", default: "0 0.1 1" },
      protocol: { type: "string", default: "http/protobuf" },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const ratios = values.ratios.split(" ").filter(Boolean).map(Number);
  const child = fork(fileURLToPath(import.meta.url), ["--sink"], { stdio: "inherit" });
  const url = await new Promise<string>((resolve) => child.once("message", (m) => resolve(String(m))));
  const cases: (number | undefined)[] = [undefined, ...ratios];
  const micros = new Map<number | undefined, number[]>(cases.map((c) => [c, []]));
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const ratio of round % 2 === 0 ? cases : [...cases].reverse()) {
        micros.get(ratio)!.push(await run(ratio, url, values.protocol, rate, seconds));
      }
    }
  } finally {
    child.disconnect();
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const none = median(micros.get(undefined)!);
  const rows = ratios.map((ratio) => {
    const perRequest = median(micros.get(ratio)!) - none;
    return {
      ratio,
      tracerMicrosPerRequest: perRequest,
      ...(ratio > 0 ? { microsPerSampledSpan: perRequest / ratio } : {}),
    };
  });
  const samples = Object.fromEntries([...micros].map(([k, v]) => [k === undefined ? "none" : String(k), v]));
  process.stdout.write(
    `${JSON.stringify({ rate, seconds, loopMicrosPerRequest: none, rows, samples }, null, 2)}\n`,
  );
}

/** Process CPU (all threads) per request of one paced run, µs; `ratio` undefined: no tracer. */
async function run(
  ratio: number | undefined,
  url: string,
  protocol: string,
  rate: number,
  seconds: number,
): Promise<number> {
  const config =
    ratio === undefined
      ? undefined
      : readTracingConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
          OTEL_TRACES_SAMPLER_ARG: String(ratio),
          OTEL_BSP_SCHEDULE_DELAY: "1000",
        });
  const tracer = config ? new RequestTracer(config) : undefined;
  const raw = Buffer.from(
    JSON.stringify({
      model: "bench",
      messages: [{ role: "user", content: "Write one sentence about benchmarks." }],
    }),
  );
  const body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  const headers = {
    host: "127.0.0.1",
    "content-type": "application/json",
    "content-length": String(raw.length),
  };
  const tick = 10;
  const perTick = Math.round((rate * tick) / 1000);
  let requests = 0;
  // Warm-up: one second, not counted.
  const pace = async (ms: number): Promise<void> => {
    const end = performance.now() + ms;
    let next = performance.now();
    while (next < end) {
      for (let i = 0; i < perTick; i++) {
        const record = requestRecord();
        const span = tracer?.start(headers, record);
        if (span) {
          record.traceId = span.traceId;
          span.request(body, raw);
        }
        finishRecord(record);
        span?.end(record);
        requests += 1;
      }
      next += tick;
      await sleep(Math.max(0, next - performance.now()));
    }
  };
  await pace(1000);
  requests = 0;
  const before = process.cpuUsage();
  await pace(seconds * 1000);
  // The last batch's export belongs to these requests.
  await tracer?.flush();
  const used = process.cpuUsage(before);
  await tracer?.close();
  return (used.user + used.system) / requests;
}

/** The record of a request as the gateway starts it, for the bench's model. */
function requestRecord(): RequestRecord {
  const record = newRequestRecord(
    { api: "openai-chat", operation: "chat" },
    "/v1/chat/completions",
    uuidV7(Date.now()),
  );
  record.originalModel = "bench";
  return record;
}

/** What the request path fills in by the time the span ends (the bench's chat answer). */
function finishRecord(record: RequestRecord): void {
  record.route = "default/bench";
  record.rule = "0";
  record.backend = "default/simulator";
  record.provider = "openai";
  record.requestModel = "bench";
  record.responseModel = "bench";
  record.status = 200;
  record.usage.inputTokens = 12;
  record.usage.outputTokens = 20;
  record.usage.totalTokens = 32;
  record.durationMs = 0.4;
  record.attempts.push({ backend: "default/simulator", status: 200, error: undefined, durationMs: 0.3 });
}

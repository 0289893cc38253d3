import type { IncomingHttpHeaders } from "node:http";
import { loadSchemaTranslators } from "../src/providers/registry.js";
import type {
  BackendSchemaName,
  ClientApi,
  ResponseContext,
  TranslateRequestInput,
  Translator,
} from "../src/providers/translator.js";
import { buildChatCompletion } from "../src/sim/build-chat-completion.js";
import type { ChunkCostRow } from "./bench-results.js";
import { summarize } from "./percentiles.js";
import {
  anthropicSseEvents,
  converseStreamFrames,
  geminiSseEvents,
  invokeStreamFrames,
  STREAM_TOKENS,
} from "./upstream-answers.js";

/**
 * What a translated stream adds per chunk, measured in-process where it can be measured precisely:
 * realistic upstream streams go through the gateway's real response translators one upstream event
 * per chunk (as a model streams them token by token), and every `chunk()` call and the stream's
 * `end()` is timed with the monotonic clock. The load tests cannot resolve this: a few microseconds
 * per chunk vanish in the loopback round trip. The OpenAI -> OpenAI passthrough, which only scans
 * for usage, is the reference. Cases run interleaved in batches so slow drifts of the machine hit
 * all alike. Usage: node dist/bench/translator-chunk-cost.js '<ChunkCostJob JSON>'; prints one JSON line.
 */
export interface ChunkCostJob {
  /** Measured streams per translator. */
  streams: number;
  /** Streams per translator run first and not recorded (JIT, inline caches). */
  warmupStreams: number;
  batches: number;
}

export interface ChunkCostOutput {
  /** Measured streams per translator. */
  streams: number;
  rows: ChunkCostRow[];
  /** CPU time this process used (user + system), seconds. */
  cpuSeconds: number;
}

interface Case {
  name: string;
  api: ClientApi;
  schema: BackendSchemaName;
  passthrough?: boolean;
}

const CASES: readonly Case[] = [
  { name: "OpenAI chat → OpenAI (passthrough)", api: "openai-chat", schema: "OpenAI", passthrough: true },
  { name: "OpenAI chat → Bedrock Converse", api: "openai-chat", schema: "AWSBedrock" },
  { name: "Anthropic Messages → Bedrock Converse", api: "anthropic-messages", schema: "AWSBedrock" },
  { name: "OpenAI chat → Anthropic Messages", api: "openai-chat", schema: "Anthropic" },
  { name: "Anthropic Messages → OpenAI chat", api: "anthropic-messages", schema: "OpenAI" },
  { name: "OpenAI chat → Claude on Bedrock (AWSAnthropic)", api: "openai-chat", schema: "AWSAnthropic" },
  {
    name: "Anthropic Messages → Claude on Bedrock (AWSAnthropic)",
    api: "anthropic-messages",
    schema: "AWSAnthropic",
  },
  { name: "OpenAI chat → Gemini (GCPVertexAI)", api: "openai-chat", schema: "GCPVertexAI" },
  { name: "Anthropic Messages → Gemini (GCPVertexAI)", api: "anthropic-messages", schema: "GCPVertexAI" },
  { name: "OpenAI chat → Azure OpenAI", api: "openai-chat", schema: "AzureOpenAI" },
  { name: "Anthropic Messages → Azure OpenAI", api: "anthropic-messages", schema: "AzureOpenAI" },
];

const PROMPT = [{ role: "user", content: "Write one sentence about benchmarks." }];
const CLIENT_BODIES: Partial<Record<ClientApi, Record<string, unknown>>> = {
  "openai-chat": { model: "bench", messages: PROMPT, stream: true, stream_options: { include_usage: true } },
  "anthropic-messages": { model: "bench", max_tokens: 1024, messages: PROMPT, stream: true },
};
const DATE = new Date().toUTCString();
const SSE = "text/event-stream; charset=utf-8";
const EVENT_STREAM = "application/vnd.amazon.eventstream";
const AWS_HEADERS = {
  "content-type": EVENT_STREAM,
  "x-amzn-requestid": "3f1c5e2a-8d7b-4c6e-9a0f-1b2c3d4e5f60",
};
const UPSTREAM_HEADERS: Partial<Record<BackendSchemaName, ResponseContext["headers"]>> = {
  OpenAI: { "content-type": SSE, date: DATE },
  Anthropic: { "content-type": SSE, "request-id": "req_011CVbench0000000000000", date: DATE },
  AWSBedrock: { ...AWS_HEADERS, date: DATE },
  AWSAnthropic: { ...AWS_HEADERS, date: DATE },
  GCPVertexAI: { "content-type": "text/event-stream", date: DATE },
  AzureOpenAI: { "content-type": SSE, "apim-request-id": "5c7e8f3a-1b2d-4e6f-8a9b-0c1d2e3f4a5b", date: DATE },
};

interface Prepared {
  readonly case: Case;
  readonly translator: Translator;
  readonly ctx: ResponseContext;
  readonly chunks: readonly Buffer[];
  readonly samples: Float64Array;
  recorded: number;
  clientBytes: number;
}

/** The upstream stream a backend of `schema` sends for the translated request, one event per chunk. */
function upstreamChunks(schema: BackendSchemaName, upstreamBody: Buffer | string): Buffer[] {
  switch (schema) {
    case "OpenAI":
    case "AzureOpenAI": {
      // The simulator's own stream for the request as the translator sent it (usage included).
      const answer = buildChatCompletion(JSON.parse(upstreamBody.toString()), STREAM_TOKENS);
      if (answer.kind !== "stream")
        throw new Error(`the simulator did not stream: ${JSON.stringify(answer)}`);
      return answer.frames
        .join("")
        .split(/(?<=\n\n)/)
        .map((event) => Buffer.from(event));
    }
    case "AWSBedrock":
      return converseStreamFrames();
    case "Anthropic":
      return anthropicSseEvents();
    case "AWSAnthropic":
      return invokeStreamFrames();
    case "GCPVertexAI":
      return geminiSseEvents();
    default:
      throw new Error(`no upstream stream for schema ${schema}`);
  }
}

/** A case ready to run `streams` recorded streams: its translator, request context and upstream chunks. */
async function prepare(c: Case, streams: number): Promise<Prepared> {
  const translator = (await loadSchemaTranslators(c.schema))[c.api];
  if (!translator) throw new Error(`no translator for ${c.api} -> ${c.schema}`);
  const body = CLIENT_BODIES[c.api]!;
  const headers: IncomingHttpHeaders = { "content-type": "application/json" };
  const request: TranslateRequestInput = {
    body,
    raw: Buffer.from(JSON.stringify(body)),
    model: "bench",
    modelOverridden: false,
    stream: true,
    forceIncludeUsage: false,
    schema: { name: c.schema },
    headers,
  };
  const chunks = upstreamChunks(c.schema, translator.request(request).body);
  const ctx: ResponseContext = {
    status: 200,
    headers: UPSTREAM_HEADERS[c.schema]!,
    requestModel: "bench",
    stream: true,
    request,
  };
  return {
    case: c,
    translator,
    ctx,
    chunks,
    samples: new Float64Array((chunks.length + 1) * streams),
    recorded: 0,
    clientBytes: 0,
  };
}

/**
 * One stream through a fresh response translator, as the gateway runs it: every upstream chunk into
 * `chunk()`, then `end()`. Each call is timed when `record` is set. Returns what the client gets.
 */
function runStream(p: Prepared, record: boolean): (Buffer | string)[] {
  const translated = p.translator.response(p.ctx);
  const output: (Buffer | string)[] = [];
  for (const chunk of p.chunks) {
    const start = process.hrtime.bigint();
    const out = translated.chunk(chunk);
    const end = process.hrtime.bigint();
    if (record) p.samples[p.recorded++] = Number(end - start) / 1e6;
    if (out !== undefined) output.push(out);
  }
  const start = process.hrtime.bigint();
  const tail = translated.end();
  const end = process.hrtime.bigint();
  if (record) p.samples[p.recorded++] = Number(end - start) / 1e6;
  if (tail !== undefined) output.push(tail);
  if (translated.usage.outputTokens !== STREAM_TOKENS) {
    // A stream the translator could not read would measure as fast as it is wrong.
    throw new Error(
      `${p.case.name}: the stream counted ${translated.usage.outputTokens} output tokens, not ${STREAM_TOKENS}:\n${output.join("")}`,
    );
  }
  return output;
}

const job = JSON.parse(process.argv[2] ?? "") as ChunkCostJob;
const perBatch = Math.ceil(job.streams / job.batches);
const prepared = await Promise.all(CASES.map((c) => prepare(c, perBatch * job.batches)));
for (const p of prepared) {
  for (let i = 0; i < job.warmupStreams; i++) runStream(p, false);
  p.clientBytes = runStream(p, false).reduce((sum, out) => sum + Buffer.byteLength(out), 0);
}
for (let batch = 0; batch < job.batches; batch++) {
  for (const p of prepared) {
    for (let i = 0; i < perBatch; i++) runStream(p, true);
  }
}
const cpu = process.cpuUsage();
const output: ChunkCostOutput = {
  streams: perBatch * job.batches,
  rows: prepared.map((p) => ({
    translator: p.case.name,
    passthrough: p.case.passthrough === true,
    chunksPerStream: p.chunks.length,
    clientBytesPerStream: p.clientBytes,
    perChunk: summarize(p.samples.subarray(0, p.recorded)),
  })),
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
};
process.stdout.write(`${JSON.stringify(output)}\n`);

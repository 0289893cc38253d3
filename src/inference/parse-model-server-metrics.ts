import type { EngineType } from "./compiled-pool.js";

/** `vllm:lora_requests_info`: the adapters with running or waiting requests, and the adapter slots. */
export interface LoraInfo {
  readonly running: readonly string[];
  readonly waiting: readonly string[];
  /** undefined when the label is absent or not a number. */
  readonly maxLora: number | undefined;
}

/**
 * What one model server's /metrics page says, in the engine-neutral terms of the model-server
 * protocol. undefined = the page does not carry it ("unknown"); the scorers decide what unknown means.
 */
export interface ModelServerMetrics {
  /** Requests waiting in the server's queue (summed over series). */
  readonly waiting: number | undefined;
  readonly running: number | undefined;
  /** KV-cache utilisation, a fraction clamped to 0..1 (the largest over series). */
  readonly kvCache: number | undefined;
  /** Tokens per KV-cache block (vLLM block_size, SGLang page_size, TensorRT-LLM tokens per block). */
  readonly blockSizeTokens: number | undefined;
  /** KV-cache blocks of the server (num_gpu_blocks, num_pages, max blocks). */
  readonly numBlocks: number | undefined;
  /** vLLM only; the series with the newest timestamp value. */
  readonly lora: LoraInfo | undefined;
}

type Field = "waiting" | "running" | "kvCache" | "kvCacheLegacy" | "blockSize" | "numBlocks";

/** How one metric name of an engine feeds a field: its value (summed or max), or a label of it. */
interface Reader {
  readonly field: Field;
  /** Only series whose label `where[0]` equals `where[1]`. */
  readonly where?: readonly [string, string];
  /** The field is this label's value (an info gauge), not the sample value. */
  readonly label?: string;
}

const LORA_INFO = "vllm:lora_requests_info";

function table(entries: Record<string, readonly Reader[]>): ReadonlyMap<string, readonly Reader[]> {
  return new Map(Object.entries(entries));
}

/** The model-server protocol's metric names per engine (GIE docs/proposals/003, llm-d-router). */
const READERS: Readonly<Record<EngineType, ReadonlyMap<string, readonly Reader[]>>> = {
  vllm: table({
    "vllm:num_requests_waiting": [{ field: "waiting" }],
    "vllm:num_requests_running": [{ field: "running" }],
    "vllm:kv_cache_usage_perc": [{ field: "kvCache" }],
    // The name before vLLM v0.10 (and GIE <= v1.2's default); read only when the new one is absent.
    "vllm:gpu_cache_usage_perc": [{ field: "kvCacheLegacy" }],
    "vllm:cache_config_info": [
      { field: "blockSize", label: "block_size" },
      { field: "numBlocks", label: "num_gpu_blocks" },
    ],
  }),
  sglang: table({
    "sglang:num_queue_reqs": [{ field: "waiting" }],
    "sglang:num_running_reqs": [{ field: "running" }],
    "sglang:token_usage": [{ field: "kvCache" }],
    "sglang:cache_config_info": [
      { field: "blockSize", label: "page_size" },
      { field: "numBlocks", label: "num_pages" },
    ],
  }),
  "trtllm-serve": table({
    trtllm_num_requests_waiting: [{ field: "waiting" }],
    trtllm_num_requests_running: [{ field: "running" }],
    trtllm_kv_cache_utilization: [{ field: "kvCache" }],
    trtllm_kv_cache_tokens_per_block: [{ field: "blockSize" }],
    trtllm_kv_cache_max_blocks: [{ field: "numBlocks" }],
  }),
  "triton-tensorrt-llm": table({
    nv_trt_llm_request_metrics: [
      { field: "waiting", where: ["request_type", "waiting"] },
      { field: "running", where: ["request_type", "scheduled"] },
    ],
    nv_trt_llm_kv_cache_block_metrics: [
      { field: "kvCache", where: ["kv_cache_block_type", "fraction"] },
      { field: "blockSize", where: ["kv_cache_block_type", "tokens_per"] },
      { field: "numBlocks", where: ["kv_cache_block_type", "max"] },
    ],
  }),
};

/** Queue and running gauges of several series (e.g. one per model_name) add up; the rest take the max. */
const SUMMED: ReadonlySet<Field> = new Set(["waiting", "running"]);

const HASH = 0x23;
const CR = 0x0d;
const BRACE = 0x7b;
const SPACE = 0x20;
const TAB = 0x09;
const LABEL_NAME_START = /[a-zA-Z_]/;
const LABEL_NAME_CHAR = /[a-zA-Z0-9_]/;
const INTEGER = /^-?\d+$/;

/**
 * Reads the engine's metrics from a Prometheus text exposition (0.0.4; OpenMetrics' `# EOF` and
 * exemplars pass). Lines of other metrics are only checked for a valid name followed by labels or a
 * value, so a vLLM page of histograms costs little (about 100 µs for 40 KB); lines of the engine's metrics are parsed fully (escaped label values,
 * NaN, +Inf, an optional timestamp). NaN and infinite values read as unknown. Throws on a malformed
 * page (an HTML error page, a truncated line): the caller counts that as a failed scrape.
 */
export function parseModelServerMetrics(text: string, engine: EngineType): ModelServerMetrics {
  const readers = READERS[engine];
  const values = new Map<Field, number>();
  let lora: { info: LoraInfo; stamp: number } | undefined;
  let lineNo = 0;
  // Scanned in place: only the names of other metrics' lines are looked at (no slice per line).
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const lineStart = skipBlanks(text, at);
    at = end + 1;
    lineNo += 1;
    const first = text.charCodeAt(lineStart);
    if (lineStart >= end || first === HASH || (first === CR && lineStart + 1 === end)) continue;
    let nameEnd = lineStart;
    if (isNameStart(first)) while (nameEnd < end && isNameChar(text.charCodeAt(nameEnd))) nameEnd += 1;
    const after = text.charCodeAt(nameEnd);
    if (nameEnd === lineStart || (after !== BRACE && after !== SPACE && after !== TAB))
      throw new Error(`line ${lineNo}: not a metric sample: ${clip(text.slice(lineStart, end))}`);
    const name = text.slice(lineStart, nameEnd);
    const isLora = engine === "vllm" && name === LORA_INFO;
    const wanted = isLora ? undefined : readers.get(name);
    if (!isLora && wanted === undefined) continue;
    const sample = parseSample(text.slice(lineStart, end).trimEnd(), nameEnd - lineStart, lineNo);
    if (wanted === undefined) {
      // vllm:lora_requests_info: the value is when the series was last updated; the newest wins.
      if (Number.isNaN(sample.value)) continue;
      if (lora === undefined || sample.value > lora.stamp)
        lora = { info: loraInfo(sample.labels), stamp: sample.value };
      continue;
    }
    for (const reader of wanted) {
      if (reader.where && sample.labels[reader.where[0]] !== reader.where[1]) continue;
      const value = reader.label === undefined ? sample.value : positiveInteger(sample.labels[reader.label]);
      if (value === undefined || !Number.isFinite(value)) continue;
      const before = values.get(reader.field);
      values.set(
        reader.field,
        before === undefined ? value : SUMMED.has(reader.field) ? before + value : Math.max(before, value),
      );
    }
  }
  const kv = values.get("kvCache") ?? values.get("kvCacheLegacy");
  return {
    waiting: values.get("waiting"),
    running: values.get("running"),
    kvCache: kv === undefined ? undefined : Math.min(1, Math.max(0, kv)),
    blockSizeTokens: positiveIntegerOf(values.get("blockSize")),
    numBlocks: positiveIntegerOf(values.get("numBlocks")),
    lora: lora?.info,
  };
}

interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The labels and value of one sample line whose name ends at `i`. */
function parseSample(line: string, i: number, lineNo: number): Sample {
  const labels: Record<string, string> = {};
  const bad = (what: string): Error => new Error(`line ${lineNo}: ${what}: ${clip(line)}`);
  if (line[i] === "{") {
    i += 1;
    for (;;) {
      i = skipBlanks(line, i);
      if (line[i] === "}") break;
      const nameStart = i;
      if (!LABEL_NAME_START.test(line[i] ?? "")) throw bad("bad label name");
      while (LABEL_NAME_CHAR.test(line[i] ?? "")) i += 1;
      const label = line.slice(nameStart, i);
      i = skipBlanks(line, i);
      if (line[i] !== "=") throw bad("expected = after a label name");
      i = skipBlanks(line, i + 1);
      if (line[i] !== '"') throw bad("expected a quoted label value");
      let value = "";
      for (i += 1; line[i] !== '"'; i++) {
        if (i >= line.length) throw bad("unterminated label value");
        if (line[i] === "\\") {
          i += 1;
          value += line[i] === "n" ? "\n" : (line[i] ?? "");
        } else value += line[i];
      }
      labels[label] = value;
      i = skipBlanks(line, i + 1);
      if (line[i] === ",") i += 1;
      else if (line[i] !== "}") throw bad("expected , or } after a label");
    }
    i += 1;
  }
  const rest = line.slice(i).trim();
  const valueEnd = indexOfAny(rest, 0);
  const value = parseValue(rest.slice(0, valueEnd));
  if (value === undefined) throw bad("bad sample value");
  const after = rest.slice(valueEnd).trim();
  // An optional timestamp (integer ms), then at most an OpenMetrics exemplar ("# {...} v").
  const stampEnd = indexOfAny(after, 0);
  const stamp = after.slice(0, stampEnd);
  if (stamp !== "" && !stamp.startsWith("#")) {
    if (!INTEGER.test(stamp) && parseValue(stamp) === undefined) throw bad("bad timestamp");
    const tail = after.slice(stampEnd).trim();
    if (tail !== "" && !tail.startsWith("#")) throw bad("unexpected text after the timestamp");
  }
  return { labels, value };
}

function parseValue(token: string): number | undefined {
  switch (token) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
    case "":
      return undefined;
  }
  const value = Number(token);
  return Number.isNaN(value) ? undefined : value;
}

/** Adapter lists are comma-separated ("a, b"); vLLM lists only adapters with running or waiting requests. */
function loraInfo(labels: Readonly<Record<string, string>>): LoraInfo {
  return {
    running: adapterList(labels["running_lora_adapters"]),
    waiting: adapterList(labels["waiting_lora_adapters"]),
    maxLora: positiveInteger(labels["max_lora"]),
  };
}

function adapterList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

function positiveInteger(text: string | undefined): number | undefined {
  return text === undefined ? undefined : positiveIntegerOf(Number(text));
}

function positiveIntegerOf(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Index of the first "{", space or tab at or after `from` (the end of a name or token), else the length. */
function indexOfAny(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === BRACE || c === SPACE || c === TAB) return i;
  }
  return s.length;
}

/** [a-zA-Z_:], what a metric name starts with. */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
}

/** [a-zA-Z0-9_:] */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

function skipBlanks(s: string, i: number): number {
  while (s[i] === " " || s[i] === "\t") i += 1;
  return i;
}

function clip(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}...` : line;
}

import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import {
  findTopLevelValue,
  type Span,
  scanTopLevelObject,
  topLevelKey,
} from "../../util/find-top-level-value.js";
import { firstValue } from "../../util/first-value.js";
import { type SseEvent, SseReader } from "../../util/sse-reader.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";
import { usageForced } from "./client-asked-for-usage.js";
import { convertOpenAIUsage, type OpenAIUsage } from "./convert-openai-usage.js";

/** The top-level fields of a whole answer that are read: usage, then model. */
const ANSWER_KEYS = [topLevelKey("usage"), topLevelKey("model")];
/** Their spans, filled by each body() and read at once (the scan is synchronous). */
const spans: (Span | undefined)[] = [undefined, undefined];

/** Markers a stream event must contain before it is worth parsing for usage ("usage":null is common). */
const USAGE_MARKERS = ['"usage":{', '"usage": {'] as const;

/** The members of a stream chunk that decide whether a client that did not ask for usage gets it. */
interface StreamChunk {
  usage?: OpenAIUsage | null;
  choices?: unknown;
  type?: unknown;
}

/**
 * The response side of every OpenAI -> OpenAI passthrough: bytes go to the client unchanged; usage
 * and the response model are read as they pass. A whole answer is not parsed: one scan checks that
 * it is a JSON object (a 2xx answer that is not, such as an HTML page or JSON cut off, is
 * UpstreamProtocolError) and finds the spans of its top-level `usage` and `model`, and only those are
 * parsed. Streams are scanned event by event and only events that carry a usage object are parsed,
 * so the per-chunk cost stays small. When the gateway forced usage reporting on the request side, the
 * usage the client did not ask for is removed from the stream (ForcedUsagePassthroughResponse); that is
 * decided here, once per response, so every other stream runs the plain relay with no added work.
 *
 * Embeddings and images share this response side; their request side never forces usage, yet
 * `usageForced` says yes for a streamed request on a route with costs. Their streams then take the
 * slower relay, but lose nothing: their events are not chat chunks (images' carry a `type`).
 */
export function openAIPassthroughResponse(ctx: ResponseContext): ResponseTranslator {
  return usageForced(ctx.request, ctx.request.forceIncludeUsage)
    ? new ForcedUsagePassthroughResponse(ctx)
    : new OpenAIPassthroughResponse(ctx);
}

class OpenAIPassthroughResponse implements ResponseTranslator {
  readonly usage = emptyUsage();
  private model: string | undefined;
  private reader: SseReader | undefined;

  constructor(private readonly ctx: ResponseContext) {}

  get streamContentType(): string {
    return contentTypeOf(this.ctx) ?? "text/event-stream";
  }

  get responseModel(): string {
    return this.model ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    const contentType = contentTypeOf(this.ctx) ?? "application/json";
    if (status >= 400) {
      // OpenAI JSON errors pass through untouched; anything else is wrapped so clients can parse it.
      if (tryParse(body.toString("utf8")) !== undefined) return { status, contentType, body };
      const message = body.toString("utf8");
      return {
        status,
        contentType: "application/json",
        body: openAIErrorBody(status, "OpenAIBackendError", message),
      };
    }
    // One pass checks that the answer is a JSON object and finds its usage and model. A 3xx (which
    // an OpenAI API never sends) and an event stream (some servers stream whatever `stream` says)
    // pass as they are, whatever they hold.
    if (!scanTopLevelObject(body, ANSWER_KEYS, spans)) {
      if (status >= 300 || contentType.startsWith("text/event-stream")) return { status, contentType, body };
      throw new UpstreamProtocolError("the upstream's answer is not a JSON object");
    }
    const usage = spanJson(body, spans[0]) as OpenAIUsage | null | undefined;
    if (usage && typeof usage === "object") convertOpenAIUsage(usage, this.usage);
    const model = spanJson(body, spans[1]);
    if (typeof model === "string") this.model = model;
    return { status, contentType, body };
  }

  chunk(chunk: Buffer): Buffer | undefined {
    this.reader ??= new SseReader();
    for (const event of this.reader.push(chunk)) this.onEvent(event.data);
    return chunk;
  }

  end(): Buffer | undefined {
    if (this.reader) for (const event of this.reader.end()) this.onEvent(event.data);
    return undefined;
  }

  /** Reads the model and the usage an event carries; returns the parsed event when it carried usage. */
  protected onEvent(data: string): StreamChunk | undefined {
    if (this.model === undefined && data.startsWith("{")) {
      const parsed = tryParse(data) as { model?: unknown } | undefined;
      if (typeof parsed?.model === "string" && parsed.model !== "") this.model = parsed.model;
    }
    if (data.includes(USAGE_MARKERS[0]) || data.includes(USAGE_MARKERS[1])) {
      const parsed = tryParse(data) as StreamChunk | undefined;
      if (parsed?.usage) {
        convertOpenAIUsage(parsed.usage, this.usage);
        return parsed;
      }
    }
    return undefined;
  }
}

/**
 * The passthrough of a stream whose usage the gateway forced (usageForced): the client gets the
 * upstream's bytes without the usage-only chunk it never asked for, and without the `,"usage":null`
 * member include_usage adds to every other chunk; usage is still counted from that chunk. The bytes
 * are cut where each event's closing blank line ends (SseReader reads events but does not say where
 * they lie in the bytes, and it skips comments), each event is read by the SseReader, then relayed
 * or dropped whole: comments, `[DONE]` and every kept event go out byte for byte and in order. An
 * event is held until its blank line arrives; a client acts on an event only then, so holding it
 * delays nothing the client sees.
 */
class ForcedUsagePassthroughResponse extends OpenAIPassthroughResponse {
  private readonly sse = new SseReader();
  /** The start of an event whose closing blank line has not arrived (a copy: the caller may reuse chunks). */
  private held: Buffer | undefined;

  override chunk(chunk: Buffer): Buffer | undefined {
    const bytes = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    this.held = undefined;
    const out: Buffer[] = [];
    let start = 0;
    for (const end of eventEnds(bytes)) {
      const event = bytes.subarray(start, end);
      this.relay(event, this.sse.push(event), out);
      start = end;
    }
    if (start < bytes.length) this.held = Buffer.from(bytes.subarray(start));
    return joined(out);
  }

  /** An event the upstream did not close with a blank line is still read (and relayed or dropped). */
  override end(): Buffer | undefined {
    const rest = this.held;
    this.held = undefined;
    if (rest === undefined) return undefined;
    const out: Buffer[] = [];
    this.relay(rest, [...this.sse.push(rest), ...this.sse.end()], out);
    return joined(out);
  }

  /** Adds one event's bytes to `out` unless it is the usage-only chunk; counts what it carries either way. */
  private relay(bytes: Buffer, events: SseEvent[], out: Buffer[]): void {
    let usageOnly = false;
    for (const event of events) {
      const chunk = this.onEvent(event.data);
      if (chunk !== undefined && isUsageOnly(chunk)) usageOnly = true;
    }
    if (usageOnly) return;
    if (events.length === 1) pushWithoutNullUsage(bytes, events[0]!.data, out);
    else out.push(bytes);
  }
}

/**
 * The chunk include_usage adds at the end of a stream: usage and no choices (OpenAI, vLLM and Ollama
 * send `choices: []`). A chunk with both choices and usage (vLLM's continuous usage stats, servers that
 * put usage on the last content chunk) is kept: the client needs its choices. Events of the other APIs
 * that share this passthrough carry a `type` (images' `image_generation.completed` holds the image
 * beside its usage) and are kept too.
 */
function isUsageOnly(chunk: StreamChunk): boolean {
  const { usage, choices } = chunk;
  return (
    typeof usage === "object" &&
    usage !== null &&
    chunk.type === undefined &&
    (choices === undefined || (Array.isArray(choices) && choices.length === 0))
  );
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const DATA_FIELD = Buffer.from("data:");
/** The member include_usage adds to every chunk but the last, as OpenAI and vLLM write it (compact JSON). */
const NULL_USAGE = Buffer.from(',"usage":null');
/** Where its value starts within it. */
const NULL_USAGE_VALUE = ',"usage":'.length;

/**
 * Where each event in `bytes` ends: the index just past the blank line that closes it, in order.
 * `bytes` starts at the start of an event. Lines end as SseReader ends them ("\n", "\r\n" or "\r");
 * a "\r" at the very end may be the first half of "\r\n", so a line ending there is not taken as
 * ended yet. What follows the last index returned is an event still arriving.
 */
function eventEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  let lineStart = 0;
  // Each is searched again only once passed, so a chunk of many lines is scanned about once.
  let lf = bytes.indexOf(LF);
  let cr = bytes.indexOf(CR);
  for (;;) {
    if (lf !== -1 && lf < lineStart) lf = bytes.indexOf(LF, lineStart);
    if (cr !== -1 && cr < lineStart) cr = bytes.indexOf(CR, lineStart);
    const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
    if (end === -1) break;
    let next = end + 1;
    if (bytes[end] === CR) {
      if (next === bytes.length) break;
      if (bytes[next] === LF) next++;
    }
    if (end === lineStart) ends.push(next);
    lineStart = next;
  }
  return ends;
}

/**
 * Adds `event` (the bytes of one event whose data is `data`) to `out` without the `,"usage":null`
 * member of its JSON, cut out as bytes so the rest of the chunk is not re-serialised. It is cut only
 * where it is a top-level member of the JSON object on a single `data:` line, so a lookalike nested
 * in the chunk is left alone; other spellings (`"usage": null`, usage as the first member) stay,
 * which is harmless.
 */
function pushWithoutNullUsage(event: Buffer, data: string, out: Buffer[]): void {
  const at = event.indexOf(NULL_USAGE);
  if (at !== -1 && !data.includes("\n") && isTopLevelMember(event, at)) {
    out.push(event.subarray(0, at), event.subarray(at + NULL_USAGE.length));
  } else {
    out.push(event);
  }
}

/** The `,"usage":null` at `at` is a member of the JSON object its `data:` line holds, not nested in it. */
function isTopLevelMember(event: Buffer, at: number): boolean {
  const lineStart = Math.max(event.lastIndexOf(LF, at), event.lastIndexOf(CR, at)) + 1;
  if (event.compare(DATA_FIELD, 0, DATA_FIELD.length, lineStart, lineStart + DATA_FIELD.length) !== 0)
    return false;
  let jsonStart = lineStart + DATA_FIELD.length;
  if (event[jsonStart] === SPACE) jsonStart++;
  const span = findTopLevelValue(event.subarray(jsonStart, lineEnd(event, at)), "usage");
  return (
    span !== undefined && span.start === at + NULL_USAGE_VALUE - jsonStart && span.end === span.start + 4
  );
}

/** The index of the first line end at or after `from`, or the end of `bytes`. */
function lineEnd(bytes: Buffer, from: number): number {
  const lf = bytes.indexOf(LF, from);
  const cr = bytes.indexOf(CR, from);
  if (lf === -1) return cr === -1 ? bytes.length : cr;
  return cr === -1 ? lf : Math.min(lf, cr);
}

/** The pieces as one buffer; undefined when there are none. */
function joined(pieces: Buffer[]): Buffer | undefined {
  return pieces.length <= 1 ? pieces[0] : Buffer.concat(pieces);
}

function contentTypeOf(ctx: ResponseContext): string | undefined {
  return firstValue(ctx.headers["content-type"]);
}

/** The parsed value of a top-level field found by scanTopLevelObject, or undefined when absent. */
function spanJson(body: Buffer, span: Span | undefined): unknown {
  return span ? tryParse(body.toString("utf8", span.start, span.end)) : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

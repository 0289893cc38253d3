import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { SseReader } from "../../util/sse-reader.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "../translator.js";
import { convertOpenAIUsage, type OpenAIUsage } from "./convert-openai-usage.js";

/** Markers a stream event must contain before it is worth parsing for usage ("usage":null is common). */
const USAGE_MARKERS = ['"usage":{', '"usage": {'];

/**
 * The response side of every OpenAI -> OpenAI passthrough: bytes go to the client unchanged; usage
 * and the response model are read as they pass. Streams are scanned event by event and only events
 * that carry a usage object are parsed, so the per-chunk cost stays small.
 */
export function openAIPassthroughResponse(ctx: ResponseContext): ResponseTranslator {
  const usage = emptyUsage();
  let responseModel: string | undefined;
  let reader: SseReader | undefined;

  const onEvent = (data: string): void => {
    if (responseModel === undefined && data.startsWith("{")) {
      responseModel = readModel(data);
    }
    if (data.includes(USAGE_MARKERS[0]!) || data.includes(USAGE_MARKERS[1]!)) {
      const parsed = tryParse(data) as { usage?: OpenAIUsage | null } | undefined;
      if (parsed?.usage) convertOpenAIUsage(parsed.usage, usage);
    }
  };

  return {
    streamContentType: contentTypeOf(ctx) ?? "text/event-stream",
    usage,
    get responseModel() {
      return responseModel ?? ctx.requestModel;
    },
    body(body: Buffer): TranslatedBody {
      const contentType = contentTypeOf(ctx) ?? "application/json";
      const parsed = tryParse(body.toString("utf8")) as { usage?: OpenAIUsage; model?: string } | undefined;
      if (ctx.status >= 400) {
        // OpenAI JSON errors pass through untouched; anything else is wrapped so clients can parse it.
        if (parsed !== undefined) return { status: ctx.status, contentType, body };
        return {
          status: ctx.status,
          contentType: "application/json",
          body: openAIErrorBody(ctx.status, "OpenAIBackendError", body.toString("utf8")),
        };
      }
      if (parsed?.usage) convertOpenAIUsage(parsed.usage, usage);
      if (typeof parsed?.model === "string") responseModel = parsed.model;
      return { status: ctx.status, contentType, body };
    },
    chunk(chunk: Buffer): Buffer {
      reader ??= new SseReader();
      for (const event of reader.push(chunk)) onEvent(event.data);
      return chunk;
    },
    end(): undefined {
      if (reader) for (const event of reader.end()) onEvent(event.data);
      return undefined;
    },
  };
}

function contentTypeOf(ctx: ResponseContext): string | undefined {
  const value = ctx.headers["content-type"];
  return Array.isArray(value) ? value[0] : value;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `model` of the first stream event, read without parsing the whole event when possible. */
function readModel(data: string): string | undefined {
  const parsed = tryParse(data) as { model?: unknown } | undefined;
  return typeof parsed?.model === "string" && parsed.model !== "" ? parsed.model : undefined;
}

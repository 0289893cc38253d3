import { emptyUsage } from "../../usage/token-usage.js";
import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
import { anthropicPassthroughHeaders } from "./anthropic-version.js";
import { passAnthropicError } from "./pass-anthropic-error.js";

/**
 * /v1/messages/count_tokens to the Anthropic API: a passthrough to `<prefix>/messages/count_tokens`.
 * The counted `input_tokens` is reported as input usage, as Envoy AI Gateway reports it.
 */
export const anthropicCountTokensAnthropicTranslator: Translator = {
  request: (input) => ({
    ...openAIPassthroughRequest(input, "/messages/count_tokens", false),
    headers: anthropicPassthroughHeaders(input.headers),
  }),
  response: (ctx) => countTokensPassthroughResponse(ctx),
};

/** A count_tokens answer relayed unchanged, its count read as input usage; errors go through `errorBody`. */
export function countTokensPassthroughResponse(
  ctx: ResponseContext,
  errorBody: (status: number, body: Buffer) => TranslatedBody = passAnthropicError,
): ResponseTranslator {
  const usage = emptyUsage();
  return {
    streamContentType: "application/json",
    usage,
    responseModel: undefined,
    body(body: Buffer): TranslatedBody {
      if (ctx.status >= 400) return errorBody(ctx.status, body);
      const count = readInputTokens(body);
      usage.inputTokens = count;
      usage.totalTokens = count;
      return { status: ctx.status, contentType: "application/json", body };
    },
    // count_tokens has no stream mode: the gateway only calls body(); these complete the contract.
    chunk: (chunk: Buffer) => chunk,
    end: () => undefined,
  };
}

/** The count of a 2xx answer, 0 when it has none; UpstreamProtocolError when the body is not a JSON object. */
function readInputTokens(body: Buffer): number {
  let parsed: { input_tokens?: unknown } | null;
  try {
    parsed = JSON.parse(body.toString("utf8")) as { input_tokens?: unknown } | null;
  } catch (err) {
    throw new UpstreamProtocolError(`the upstream's answer is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UpstreamProtocolError("the upstream's answer is not a JSON object");
  }
  return typeof parsed.input_tokens === "number" ? parsed.input_tokens : 0;
}

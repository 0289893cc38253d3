import type { TokenUsage } from "../../usage/token-usage.js";
import { UpstreamProtocolError } from "../translator.js";
import type { AnthropicMessage } from "./anthropic-wire-types.js";
import { convertAnthropicUsage } from "./convert-anthropic-usage.js";

/**
 * Usage and model of a 2xx Message answer that passes through to an Anthropic-API client unchanged.
 * A JSON object that is not quite a Message yields what it has (zero usage at worst) and is passed on
 * as the upstream sent it; a body that is not a JSON object at all (HTML, plain text, cut-off JSON)
 * is UpstreamProtocolError. Nothing is rewritten, so no depth limit applies.
 */
export function readAnthropicMessageAnswer(body: Buffer): { usage: TokenUsage; model: string | undefined } {
  let message: Partial<AnthropicMessage> | null;
  try {
    message = JSON.parse(body.toString("utf8")) as Partial<AnthropicMessage> | null;
  } catch (err) {
    throw new UpstreamProtocolError(`the upstream's answer is not JSON: ${(err as Error).message}`);
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw new UpstreamProtocolError("the upstream's answer is not a JSON object");
  }
  const model = typeof message?.model === "string" && message.model !== "" ? message.model : undefined;
  return { usage: convertAnthropicUsage(message?.usage), model };
}

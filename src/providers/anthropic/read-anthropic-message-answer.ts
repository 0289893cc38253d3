import type { TokenUsage } from "../../usage/token-usage.js";
import type { AnthropicMessage } from "./anthropic-wire-types.js";
import { convertAnthropicUsage } from "./convert-anthropic-usage.js";

/**
 * Usage and model of a Message answer that passes through to an Anthropic-API client unchanged.
 * A body that is not a Message yields zero usage: the client still gets it as the upstream sent it.
 */
export function readAnthropicMessageAnswer(body: Buffer): { usage: TokenUsage; model: string | undefined } {
  let message: Partial<AnthropicMessage> | undefined;
  try {
    message = JSON.parse(body.toString("utf8")) as Partial<AnthropicMessage>;
  } catch {
    message = undefined;
  }
  const model = typeof message?.model === "string" && message.model !== "" ? message.model : undefined;
  return { usage: convertAnthropicUsage(message?.usage), model };
}

import { anthropicErrorBody, anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";
import type { TranslatedBody } from "../translator.js";

/**
 * An Anthropic error answer for an Anthropic-API client: Anthropic's JSON error passes through
 * untouched; anything else (a proxy's HTML page, plain text, an empty 502) is wrapped in the
 * Anthropic envelope with the documented type for the status, so SDKs can read it.
 */
export function passAnthropicError(status: number, body: Buffer): TranslatedBody {
  const text = body.toString("utf8");
  if (isAnthropicError(text)) return { status, contentType: "application/json", body };
  return {
    status,
    contentType: "application/json",
    body: anthropicErrorBody(anthropicErrorTypeForStatus(status), text),
  };
}

function isAnthropicError(text: string): boolean {
  if (!text.trimStart().startsWith("{")) return false;
  try {
    const parsed = JSON.parse(text) as { error?: { type?: unknown } };
    return typeof parsed.error?.type === "string";
  } catch {
    return false;
  }
}

import { anthropicErrorBody, anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";

/**
 * An OpenAI-schema backend's error answer for an Anthropic-API client. The type is Anthropic's for
 * the status (OpenAI's own types, like "insufficient_quota", mean nothing to Anthropic clients);
 * the message is OpenAI's `error.message`, or the whole body when it is not OpenAI's JSON error.
 */
export function convertOpenAIErrorToAnthropic(status: number, body: Buffer): string {
  const text = body.toString("utf8");
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
    const error = parsed.error;
    if (typeof error === "string") message = error;
    else if (typeof error?.message === "string") message = error.message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return anthropicErrorBody(anthropicErrorTypeForStatus(status), message);
}

import { randomBytes } from "node:crypto";

/**
 * Ids shaped like OpenAI's (`chatcmpl-` / `cmpl-` / `call_` + 24-29 alphanumerics) without paying for
 * randomness per request: a random per-process stem plus a counter keeps them unique and cheap.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const STEM = Array.from(randomBytes(16), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
let counter = 0;

function nextSuffix(): string {
  counter = (counter + 1) % 0x7fffffff;
  return STEM + counter.toString(36).padStart(7, "0");
}

export function chatCompletionId(): string {
  return `chatcmpl-${nextSuffix()}`;
}

export function completionId(): string {
  return `cmpl-${nextSuffix()}`;
}

export function toolCallId(): string {
  return `call_${nextSuffix()}`;
}

/** OpenAI sends a backend fingerprint; a fixed one says "the same simulated backend". */
export const SYSTEM_FINGERPRINT = "fp_aigw_sim";

import { openAIErrorBody } from "../../api/openai-error.js";
import type { TranslatedBody } from "../translator.js";

/** The error type of Cohere's own errors on the OpenAI surface (as Bedrock's are `AWSBedrockBackendError`'s kin). */
export const COHERE_BACKEND_ERROR = "CohereBackendError";

/**
 * A Cohere error answer of the Compatibility API in the OpenAI envelope. Cohere answers errors in its
 * own shape, `{"id","message"}`, on that API too; an OpenAI client reads `error.message`, so such a
 * body is re-enveloped with its status and message. OpenAI-shaped errors (an `error` member) and
 * non-JSON bodies are left to the passthrough, which keeps the first and wraps the second.
 */
export function cohereErrorToOpenAI(status: number, body: Buffer): TranslatedBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || "error" in parsed) return undefined;
  const message = (parsed as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  return {
    status,
    contentType: "application/json",
    body: openAIErrorBody(status, COHERE_BACKEND_ERROR, message),
  };
}

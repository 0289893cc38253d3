import { anthropicErrorBody, anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";
import { openAIErrorBody } from "../../api/openai-error.js";
import type { TranslatedBody } from "../translator.js";

/** The error type for Vertex answers that are neither Anthropic's nor Google's JSON error. */
export const GCP_BACKEND_ERROR = "GCPBackendError";

/**
 * What an error answer of Claude on Vertex says. Claude's own errors are Anthropic's JSON
 * (`{"type":"error","error":{"type","message"}}`); Vertex itself (permissions, quota, an unknown
 * model) answers Google's `{"error":{"code","message","status"}}`, sometimes inside an array; proxies
 * answer anything.
 */
type VertexError =
  | { kind: "anthropic"; type: string; message: string }
  | { kind: "google"; status: string | undefined; message: string }
  | { kind: "other"; text: string };

export function readVertexError(body: Buffer): VertexError {
  const text = body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "other", text };
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  const error = (first as { error?: unknown } | null)?.error;
  if (typeof error !== "object" || error === null) return { kind: "other", text };
  const { type, message, status } = error as { type?: unknown; message?: unknown; status?: unknown };
  const said = typeof message === "string" ? message : "";
  if (typeof type === "string") return { kind: "anthropic", type, message: said };
  return { kind: "google", status: typeof status === "string" ? status : undefined, message: said || text };
}

/** An error answer for an Anthropic-API client: Claude's errors unchanged, others in its envelope. */
export function vertexErrorForAnthropic(status: number, body: Buffer): TranslatedBody {
  const error = readVertexError(body);
  if (error.kind === "anthropic") return { status, contentType: "application/json", body };
  const out =
    error.kind === "google"
      ? anthropicErrorBody(anthropicErrorTypeForStatus(status), error.message)
      : anthropicErrorBody(GCP_BACKEND_ERROR, error.text);
  return { status, contentType: "application/json", body: out };
}

/**
 * An error answer for an OpenAI client: the type is Claude's error type, Google's status
 * (PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...) or GCPBackendError for a body that is neither.
 */
export function vertexErrorForOpenAI(status: number, body: Buffer): string {
  const error = readVertexError(body);
  if (error.kind === "anthropic") return openAIErrorBody(status, error.type, error.message);
  if (error.kind === "google")
    return openAIErrorBody(status, error.status ?? GCP_BACKEND_ERROR, error.message);
  return openAIErrorBody(status, GCP_BACKEND_ERROR, error.text);
}

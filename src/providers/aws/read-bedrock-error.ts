import { firstValue } from "../../util/first-value.js";

/**
 * What a Bedrock runtime error answer says: the error type (from `x-amzn-errortype`) and message.
 * AWS sends JSON `{"message": "..."}` (some services `Message`); anything else (a load balancer's
 * HTML, an empty 503) is reported as `AWSBedrockBackendError` with the raw text, as Envoy AI Gateway does.
 * Claude on Bedrock also answers some errors with Anthropic's own error body
 * (`{"type":"error","error":{"type":"overloaded_error","message":"..."}}`) and no `x-amzn-errortype`:
 * its Anthropic type and message are read, and `anthropic` says so, so that an Anthropic client can
 * be given that body as it is.
 */
export interface BedrockError {
  type: string;
  message: string;
  /** The body is an Anthropic error and `type` is its Anthropic error type. */
  anthropic?: true;
}

/** The error type when the upstream body is not a JSON error. */
export const AWS_BEDROCK_BACKEND_ERROR = "AWSBedrockBackendError";

export function readBedrockError(
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): BedrockError {
  const text = body.toString("utf8");
  const parsed = parseJsonObject(text);
  if (parsed === undefined) return { type: AWS_BEDROCK_BACKEND_ERROR, message: text };
  const typeHeader = headers["x-amzn-errortype"];
  const headerType = bareErrorType(firstValue(typeHeader));
  if (headerType === undefined) {
    const anthropic = anthropicError(parsed);
    if (anthropic !== undefined) return anthropic;
  }
  const message = parsed.message ?? parsed.Message;
  const type = headerType ?? bareErrorType(parsed.__type);
  return {
    type: type ?? AWS_BEDROCK_BACKEND_ERROR,
    message: typeof message === "string" ? message : text,
  };
}

/**
 * "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/" -> "ValidationException";
 * "com.amazon.coral.service#UnknownOperationException" -> "UnknownOperationException".
 */
export function bareErrorType(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const colon = value.indexOf(":");
  const type = colon === -1 ? value : value.slice(0, colon);
  const hash = type.lastIndexOf("#");
  return hash === -1 ? type : type.slice(hash + 1);
}

/** `{"type":"error","error":{"type":"...","message":"..."}}` as a BedrockError; undefined for other bodies. */
function anthropicError(parsed: Record<string, unknown>): BedrockError | undefined {
  if (parsed.type !== "error") return undefined;
  const error = parsed.error as { type?: unknown; message?: unknown } | null | undefined;
  if (typeof error !== "object" || error === null || typeof error.type !== "string" || error.type === "") {
    return undefined;
  }
  return {
    type: error.type,
    message: typeof error.message === "string" ? error.message : "",
    anthropic: true,
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

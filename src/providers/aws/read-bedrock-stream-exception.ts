import type { AwsStreamEvent } from "./aws-event-stream-decoder.js";
import type { BedrockError } from "./read-bedrock-error.js";

/**
 * An exception that arrives inside a 200 event stream (`:message-type: exception`, or `error` with the
 * code in headers) as the HTTP status and error the client should see. The statuses are the ones the
 * Bedrock API reference documents for each stream exception.
 */
export interface BedrockStreamException extends BedrockError {
  status: number;
}

const STATUS_BY_EXCEPTION: Readonly<Record<string, number>> = {
  internalServerException: 500,
  modelStreamErrorException: 424,
  modelTimeoutException: 408,
  serviceUnavailableException: 503,
  throttlingException: 429,
  validationException: 400,
};

export function readBedrockStreamException(event: AwsStreamEvent): BedrockStreamException {
  if (event.messageType === "error") {
    const code = event.errorCode ?? "InternalFailure";
    return { status: statusFor(code), type: code, message: event.errorMessage ?? code };
  }
  const exceptionType = event.exceptionType ?? "internalServerException";
  return {
    status: statusFor(exceptionType),
    // The HTTP API names the same errors "ThrottlingException"; clients see one spelling.
    type: exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1),
    message: messageOf(event.payload) ?? exceptionType,
  };
}

function statusFor(type: string): number {
  const lowerFirst = type.charAt(0).toLowerCase() + type.slice(1);
  return STATUS_BY_EXCEPTION[lowerFirst] ?? 500;
}

function messageOf(payload: Uint8Array): string | undefined {
  if (payload.length === 0) return undefined;
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8");
  try {
    const parsed = JSON.parse(text) as { message?: unknown; Message?: unknown };
    const message = parsed.message ?? parsed.Message;
    return typeof message === "string" ? message : text;
  } catch {
    return text;
  }
}

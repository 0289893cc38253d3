import { openAIErrorBody } from "../../api/openai-error.js";
import { firstValue } from "../../util/first-value.js";
import { bareErrorType } from "../aws/read-bedrock-error.js";

/** The error type when SageMaker's answer is not one of its JSON errors (a proxy's HTML, an empty 503). */
export const AWS_SAGEMAKER_BACKEND_ERROR = "AWSSageMakerBackendError";

/**
 * A SageMaker runtime error answer in the OpenAI envelope, its status kept. The type is
 * `x-amzn-errortype` (ValidationError, ModelError, ModelNotReadyException, ServiceUnavailable,
 * InternalFailure, ...), else the body's `__type`; the message is the body's `Message` or `message`.
 * A ModelError (424: the container answered an error) carries the container's status and message in
 * its `Message` ("Received client error (400) from primary with message ..."), which is kept whole.
 */
export function sageMakerErrorBody(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): string {
  const text = body.toString("utf8");
  const parsed = parseObject(text);
  if (parsed === undefined) return openAIErrorBody(status, AWS_SAGEMAKER_BACKEND_ERROR, text);
  const type =
    bareErrorType(firstValue(headers["x-amzn-errortype"])) ??
    bareErrorType(parsed.__type) ??
    AWS_SAGEMAKER_BACKEND_ERROR;
  const message = parsed.Message ?? parsed.message;
  return openAIErrorBody(status, type, typeof message === "string" ? message : text);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

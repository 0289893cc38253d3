import { AWS_BEDROCK_BACKEND_ERROR, type BedrockError, readBedrockError } from "../aws/read-bedrock-error.js";
import type { ConverseContentBlock, ConverseResponse } from "./converse-types.js";

export type ConverseAnswer =
  | { ok: true; response: ConverseResponse; content: ConverseContentBlock[] }
  | { ok: false; status: number; error: BedrockError };

/**
 * A buffered Converse answer: the parsed response, or the error to give the client. Bedrock can
 * answer 200 without `output` (Coral framework errors such as UnknownOperationException, empty
 * bodies); that is an upstream failure, answered 502.
 */
export function readConverseResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): ConverseAnswer {
  if (status >= 400) return { ok: false, status, error: readBedrockError(headers, body) };
  let response: ConverseResponse;
  try {
    response = JSON.parse(body.toString("utf8")) as ConverseResponse;
  } catch {
    return badAnswer(`AWS Bedrock answered ${status} with a body that is not JSON`);
  }
  const content = response?.output?.message?.content;
  if (!Array.isArray(content)) {
    return badAnswer(
      `AWS Bedrock answered ${status} without 'output' (stopReason=${String(response?.stopReason ?? "")})`,
    );
  }
  return { ok: true, response, content };
}

function badAnswer(message: string): ConverseAnswer {
  return { ok: false, status: 502, error: { type: AWS_BEDROCK_BACKEND_ERROR, message } };
}

import { type BedrockError, readBedrockError } from "../aws/read-bedrock-error.js";
import { displayValue } from "../display-value.js";
import { refuseDeepAnswer } from "../json-depth-limit.js";
import { UpstreamProtocolError } from "../translator.js";
import type { ConverseContentBlock, ConverseResponse } from "./converse-types.js";

export type ConverseAnswer =
  | { ok: true; response: ConverseResponse; content: ConverseContentBlock[] }
  | { ok: false; status: number; error: BedrockError };

/**
 * A buffered Converse answer: the parsed response, or the error to give the client. Bedrock can
 * answer 200 without `output` (Coral framework errors such as UnknownOperationException, empty
 * bodies); that, a body that is not JSON or nests too deeply, and content blocks that are not
 * objects are upstream failures: UpstreamProtocolError.
 */
export function readConverseResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): ConverseAnswer {
  if (status >= 400) return { ok: false, status, error: readBedrockError(headers, body) };
  refuseDeepAnswer(body, "AWS Bedrock's answer");
  let response: ConverseResponse | null;
  try {
    response = JSON.parse(body.toString("utf8")) as ConverseResponse | null;
  } catch {
    throw new UpstreamProtocolError(`AWS Bedrock answered ${status} with a body that is not JSON`);
  }
  const content = response?.output?.message?.content;
  if (!Array.isArray(content)) {
    throw new UpstreamProtocolError(
      `AWS Bedrock answered ${status} without 'output' (stopReason=${displayValue(response?.stopReason ?? "")})`,
    );
  }
  for (const block of content) {
    if (typeof block !== "object" || block === null) {
      throw new UpstreamProtocolError(
        `AWS Bedrock answered ${status} with a content block that is not an object`,
      );
    }
  }
  return { ok: true, response: response!, content };
}

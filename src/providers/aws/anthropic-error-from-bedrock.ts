import { anthropicErrorBody } from "../../api/anthropic-error.js";
import type { TranslatedBody } from "../translator.js";
import { mapBedrockErrorToAnthropicType } from "./map-bedrock-error-to-anthropic-type.js";
import { readBedrockError } from "./read-bedrock-error.js";

/**
 * A Bedrock error answer for an Anthropic-API client, status kept. An Anthropic error body (Claude on
 * Bedrock sends some, without `x-amzn-errortype`) is relayed as it is, like the Anthropic API's own
 * errors; any other error gets the Anthropic envelope with the Anthropic type for Bedrock's type.
 */
export function anthropicErrorFromBedrock(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): TranslatedBody {
  const error = readBedrockError(headers, body);
  if (error.anthropic) return { status, contentType: "application/json", body };
  const type = mapBedrockErrorToAnthropicType(error.type, status);
  return { status, contentType: "application/json", body: anthropicErrorBody(type, error.message) };
}

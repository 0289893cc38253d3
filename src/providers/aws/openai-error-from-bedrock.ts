import { openAIErrorBody } from "../../api/openai-error.js";
import type { ResponseContext, TranslatedBody } from "../translator.js";
import { readBedrockError } from "./read-bedrock-error.js";

/** A Bedrock error answer in the OpenAI envelope, its status and AWS error type kept. */
export function openAIErrorFromBedrock(
  status: number,
  headers: ResponseContext["headers"],
  body: Buffer,
): TranslatedBody {
  const error = readBedrockError(headers, body);
  return {
    status,
    contentType: "application/json",
    body: openAIErrorBody(status, error.type, error.message),
  };
}

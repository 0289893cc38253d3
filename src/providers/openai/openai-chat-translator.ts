import type { Translator } from "../translator.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/** /v1/chat/completions to an OpenAI-compatible backend (OpenAI, vLLM, Ollama, Groq, ...). */
export const openAIChatTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/chat/completions", input.forceIncludeUsage),
  response: openAIPassthroughResponse,
};

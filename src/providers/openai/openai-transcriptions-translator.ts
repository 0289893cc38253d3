import type { Translator } from "../translator.js";
import { openAIAudioResponse } from "./openai-audio-response.js";
import { openAIMultipartRequest } from "./openai-multipart-request.js";

/** /v1/audio/transcriptions (multipart) to an OpenAI-compatible backend; `stream=true` answers events. */
export const openAITranscriptionsTranslator: Translator = {
  request: (input) => openAIMultipartRequest(input, "/audio/transcriptions"),
  response: openAIAudioResponse,
};

/** /v1/audio/translations (multipart, into English) to an OpenAI-compatible backend. */
export const openAITranslationsTranslator: Translator = {
  request: (input) => openAIMultipartRequest(input, "/audio/translations"),
  response: openAIAudioResponse,
};

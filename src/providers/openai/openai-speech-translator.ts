import type { Translator } from "../translator.js";
import { openAIAudioResponse } from "./openai-audio-response.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";

/** /v1/audio/speech to an OpenAI-compatible backend: the JSON body passes, the audio is relayed as it streams. */
export const openAISpeechTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/audio/speech", false),
  response: openAIAudioResponse,
};

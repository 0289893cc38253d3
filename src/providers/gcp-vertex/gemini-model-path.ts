import { InvalidRequestError } from "../translator.js";

/**
 * `/publishers/google/models/<model>:<method>` for Gemini on Vertex AI (generateContent,
 * streamGenerateContent?alt=sse, embedContent, predict, countTokens). The GCPCredentials injector
 * puts `/v1/projects/<project>/locations/<region>` in front. The model is one path segment, so `/`,
 * `?` and `:` in a client's model name are percent-encoded instead of changing the path; a name that is
 * not valid Unicode (a lone surrogate) has no UTF-8 to encode and is a bad request.
 */
export function geminiModelPath(model: string, method: string): string {
  let segment: string;
  try {
    segment = encodeURIComponent(model);
  } catch {
    throw new InvalidRequestError(
      `model ${JSON.stringify(model)} is not a valid model id: it holds a lone surrogate`,
      400,
    );
  }
  return `/publishers/google/models/${segment}:${method}`;
}

import { InvalidRequestError } from "../translator.js";

/**
 * `/publishers/<publisher>/models/<model>:<method>`, the part of a Vertex AI path that the translator
 * decides (the credential puts /v1/projects/<project>/locations/<region> before it). The model id is
 * one path segment; `@` (every Claude id on Vertex has one, claude-sonnet-4@20250514) is left as
 * Google documents it. A model name that is not valid Unicode cannot be encoded: 400.
 */
export function vertexModelPath(publisher: string, model: string, method: string): string {
  let segment: string;
  try {
    segment = encodeURIComponent(model).replaceAll("%40", "@");
  } catch {
    throw new InvalidRequestError(
      `model ${JSON.stringify(model)} is not a valid model id: it holds a lone surrogate`,
      400,
    );
  }
  return `/publishers/${publisher}/models/${segment}:${method}`;
}

import { firstValue } from "../../util/first-value.js";
import {
  MultipartError,
  multipartBoundary,
  readMultipartFields,
  replaceMultipartField,
} from "../../util/multipart-fields.js";
import { InvalidRequestError, type TranslateRequestInput, type UpstreamRequest } from "../translator.js";
import { openAIPath } from "./openai-path.js";

/**
 * The request side of a multipart passthrough (audio uploads): the client's bytes go as they came,
 * with the client's content-type (its boundary). When the model is overridden, only the `model`
 * field's value is replaced; the boundary, the other fields and the file stay byte for byte.
 */
export function openAIMultipartRequest(input: TranslateRequestInput, suffix: string): UpstreamRequest {
  const path = openAIPath(input.schema, suffix);
  const contentType = firstValue(input.headers["content-type"]);
  const headers = contentType === undefined ? undefined : { "content-type": contentType };
  let body = input.raw;
  if (input.modelOverridden) {
    const boundary = multipartBoundary(contentType);
    if (boundary === undefined)
      throw new InvalidRequestError("the body is not multipart/form-data with a boundary", 400);
    let span: { start: number; end: number } | undefined;
    try {
      span = readMultipartFields(body, boundary).spans.get("model");
    } catch (err) {
      if (err instanceof MultipartError) throw new InvalidRequestError(err.message, 400);
      throw err;
    }
    if (span === undefined) throw new InvalidRequestError("the form has no model field", 400);
    body = replaceMultipartField(body, span, input.model);
  }
  return headers === undefined ? { path, body } : { path, body, headers };
}

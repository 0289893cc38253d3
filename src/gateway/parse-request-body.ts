import type { IncomingHttpHeaders } from "node:http";
import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import { MultipartError, multipartBoundary, readMultipartFields } from "../util/multipart-fields.js";
import { GatewayError } from "./gateway-error.js";

/**
 * The client's body as the request path reads it: a JSON object, or for multipart endpoints (audio
 * uploads) the form's text fields (values are strings; the file parts are not copied). Anything
 * else is a 400 in the endpoint's envelope.
 */
export function parseRequestBody(
  raw: Buffer,
  path: string,
  endpoint: ClientEndpoint,
  headers: IncomingHttpHeaders,
): Record<string, unknown> {
  if (endpoint.bodyFormat === "multipart") return parseMultipart(raw, path, headers);
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new SyntaxError("the body must be a JSON object");
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    const message = `malformed request: failed to parse JSON for ${path}: ${(err as Error).message}`;
    throw new GatewayError(400, "BadRequest", message, "malformed_request");
  }
}

function parseMultipart(raw: Buffer, path: string, headers: IncomingHttpHeaders): Record<string, unknown> {
  const boundary = multipartBoundary(headers["content-type"]);
  if (boundary === undefined) {
    const message = `malformed request: ${path} takes multipart/form-data with a boundary`;
    throw new GatewayError(400, "BadRequest", message, "malformed_request");
  }
  let read: ReturnType<typeof readMultipartFields>;
  try {
    read = readMultipartFields(raw, boundary);
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err;
    const message = `malformed request: failed to parse multipart/form-data for ${path}: ${err.message}`;
    throw new GatewayError(400, "BadRequest", message, "malformed_request");
  }
  // The route is chosen by the first model; an upstream reading another would serve a model the
  // route never allowed. So the model must be given once.
  if (read.repeated.has("model")) {
    const message = `malformed request: the form for ${path} gives 'model' more than once`;
    throw new GatewayError(400, "BadRequest", message, "malformed_request");
  }
  return read.fields;
}

/** Whether the answer is relayed as a stream: always for some endpoints, else when the body asks. */
export function streamRequested(endpoint: ClientEndpoint, body: Record<string, unknown>): boolean {
  if (endpoint.alwaysStreams) return true;
  if (!endpoint.streams) return false;
  // A form field is text: the SDKs send `stream=true`.
  return endpoint.bodyFormat === "multipart" ? body.stream === "true" : body.stream === true;
}

import { adaptFirstPartyRequest } from "../anthropic/first-party-request/adapt-first-party-request.js";
import { VERTEX_RULES } from "../anthropic/first-party-request/vertex-rules.js";
import type { BackendSchema, TranslateRequestInput, UpstreamRequest } from "../translator.js";
import { vertexModelPath } from "./vertex-model-path.js";

/** The Vertex flavour of the Messages API, when the AIServiceBackend's schema.version names none. */
export const DEFAULT_VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

export function vertexAnthropicVersion(schema: BackendSchema): string {
  return schema.version || DEFAULT_VERTEX_ANTHROPIC_VERSION;
}

/**
 * The one place a Claude-on-Vertex request is built, whatever the client spoke: `params` are Anthropic
 * Messages parameters (the client's own body, or one translated from OpenAI chat). Vertex takes the
 * model in the path, not the body, and the API version in the body's `anthropic_version`, not a
 * header; `stream` stays in the body and also picks the method (streamRawPredict). Beta flags go in
 * the `anthropic-beta` header, filtered to what Vertex accepts (the client's own header never goes
 * as it is). First-party request shapes (Claude Code's) are adapted first: adaptFirstPartyRequest.
 */
export function vertexAnthropicMessagesRequest(
  input: TranslateRequestInput,
  params: Record<string, unknown>,
): UpstreamRequest {
  // The backend's version wins over one a client may have put in its body.
  const { model: _model, anthropic_version: _version, ...rest } = params;
  const adapted = adaptFirstPartyRequest(rest, input.model, input.headers, VERTEX_RULES);
  const body: Record<string, unknown> = {
    anthropic_version: vertexAnthropicVersion(input.schema),
    ...adapted.body,
  };
  return {
    path: vertexModelPath("anthropic", input.model, input.stream ? "streamRawPredict" : "rawPredict"),
    body: JSON.stringify(body),
    headers: vertexAnthropicHeaders(adapted.betas),
    notices: adapted.notices,
  };
}

/**
 * count_tokens on Vertex: `count-tokens:rawPredict` of the anthropic publisher, with the model in the
 * body (Google documents it there, unlike Messages) and anthropic_version as for Messages.
 */
export function vertexAnthropicCountTokensRequest(input: TranslateRequestInput): UpstreamRequest {
  const { model: _model, stream: _stream, anthropic_version: _version, ...rest } = input.body;
  const adapted = adaptFirstPartyRequest(rest, input.model, input.headers, VERTEX_RULES);
  const body = {
    anthropic_version: vertexAnthropicVersion(input.schema),
    model: input.model,
    ...adapted.body,
  };
  return {
    path: vertexModelPath("anthropic", "count-tokens", "rawPredict"),
    body: JSON.stringify(body),
    headers: vertexAnthropicHeaders(adapted.betas),
    notices: adapted.notices,
  };
}

/**
 * The client's Anthropic headers as Vertex takes them: the beta flags it accepts, filtered by the
 * first-party adaptation (none: the client's header is removed, not forwarded), and no
 * `anthropic-version` header, the version being in the body.
 */
function vertexAnthropicHeaders(betas: string[]): Record<string, string | undefined> {
  return { "anthropic-beta": betas.length > 0 ? betas.join(",") : undefined, "anthropic-version": undefined };
}

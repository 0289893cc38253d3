import { adaptFirstPartyRequest } from "../anthropic/first-party-request/adapt-first-party-request.js";
import { BEDROCK_INVOKE_RULES } from "../anthropic/first-party-request/bedrock-invoke-rules.js";
import type { FieldNotice, TranslateRequestInput } from "../translator.js";
import { bedrockAnthropicVersion } from "./invoke-model-target.js";

export interface InvokeModelBody {
  body: Record<string, unknown>;
  /** What the first-party adaptation changed, for the gateway's log. */
  notices: FieldNotice[];
}

/**
 * An Anthropic Messages request body as Claude on Bedrock takes it in InvokeModel: the same body,
 * except that `model` moves to the path, streaming is chosen by the path instead of `stream` (Bedrock
 * rejects both as extra inputs), `anthropic_version` names Bedrock's API version, what only the
 * Anthropic API takes is adapted (adaptFirstPartyRequest), and the beta flags Bedrock knows, of the
 * `anthropic-beta` header and a body `anthropic_beta`, go into `anthropic_beta`.
 */
export function invokeModelBody(input: TranslateRequestInput): InvokeModelBody {
  const { model: _model, stream: _stream, ...rest } = input.body;
  const adapted = adaptFirstPartyRequest(rest, input.model, input.headers, BEDROCK_INVOKE_RULES);
  const body: Record<string, unknown> = {
    anthropic_version: bedrockAnthropicVersion(input.schema),
    ...adapted.body,
  };
  if (adapted.betas.length > 0) body.anthropic_beta = adapted.betas;
  return { body, notices: adapted.notices };
}

/** The flags travel in the body: the client's header, which would reach Bedrock unfiltered, is removed. */
export const INVOKE_MODEL_HEADERS: Readonly<Record<string, undefined>> = { "anthropic-beta": undefined };

import { adaptFirstPartyRequest } from "../anthropic/first-party-request/adapt-first-party-request.js";
import { BEDROCK_CONVERSE_RULES } from "../anthropic/first-party-request/bedrock-converse-rules.js";
import type { FieldNotice, TranslateRequestInput } from "../translator.js";
import type { ConverseRequest } from "./converse-types.js";
import { convertAnthropicRequestToConverse } from "./convert-anthropic-request-to-converse.js";

/** Bedrock's Claude ids (anthropic.claude-..., us.anthropic..., a Claude name in an inference profile). */
const CLAUDE_MODEL = /anthropic\.|claude/i;

export interface ConverseFromFirstParty {
  request: ConverseRequest;
  notices: FieldNotice[];
}

/**
 * An Anthropic Messages request, in the first-party shape Claude Code sends, as a Converse request:
 * adapted for Converse first (adaptFirstPartyRequest), then converted. Claude's fields Converse has
 * no member for, `output_config` (effort) and the allowed beta flags, go to the model through
 * additionalModelRequestFields; for a model that is not Claude they would fail the request and
 * are dropped.
 */
export function converseFromFirstPartyRequest(input: TranslateRequestInput): ConverseFromFirstParty {
  const adapted = adaptFirstPartyRequest(input.body, input.model, input.headers, BEDROCK_CONVERSE_RULES);
  const request = convertAnthropicRequestToConverse(adapted.body);
  const notices = adapted.notices;
  const claude = CLAUDE_MODEL.test(input.model);
  const extra: Record<string, unknown> = {};
  if (adapted.body.output_config !== undefined) {
    if (claude) extra.output_config = adapted.body.output_config;
    else notices.push({ field: "output_config", action: "dropped", detail: "only Claude models take it" });
  }
  if (adapted.betas.length > 0) {
    if (claude) extra.anthropic_beta = adapted.betas;
    else
      notices.push({
        field: "anthropic-beta",
        action: "dropped",
        detail: "only Claude models take beta flags",
      });
  }
  if (Object.keys(extra).length > 0) {
    request.additionalModelRequestFields = { ...request.additionalModelRequestFields, ...extra };
  }
  return { request, notices };
}

/**
 * The flags travel in additionalModelRequestFields: the client's header, which would reach Bedrock
 * unfiltered, is removed.
 */
export const CONVERSE_HEADERS: Readonly<Record<string, undefined>> = { "anthropic-beta": undefined };

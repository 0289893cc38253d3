import type { IncomingHttpHeaders } from "node:http";
import type { FieldNotice } from "../../translator.js";
import { adaptOutputConfig } from "./adapt-output-config.js";
import { adaptThinking } from "./adapt-thinking.js";
import { claudeCapabilities } from "./claude-model-capabilities.js";
import { filterAnthropicBetas } from "./filter-anthropic-betas.js";
import { moveSystemMessages } from "./move-system-messages.js";
import { CONTEXT_MANAGEMENT_BETA, type PlatformRules } from "./platform-rules.js";

type Json = Record<string, unknown>;

export interface AdaptedRequest {
  /** The Messages body without `anthropic_beta` (each platform places the flags its own way). */
  body: Json;
  /** The beta flags to send, filtered to the platform's allow-list. */
  betas: string[];
  /** What was moved, mapped or dropped, for the log. */
  notices: FieldNotice[];
}

/**
 * Anthropic's first-party request shape (what Claude Code sends to ANTHROPIC_BASE_URL whatever
 * serves it) as one cloud platform's Claude takes it. Pure: the client's body is not touched.
 * Fields are moved (mid-conversation system messages into `system`), mapped (adaptive thinking for
 * a model without it; a beta flag the body needs) or dropped (what the platform refuses as an extra
 * input, which would fail the whole request), and each change is reported in `notices`.
 */
export function adaptFirstPartyRequest(
  body: Json,
  model: string,
  headers: IncomingHttpHeaders,
  rules: PlatformRules,
): AdaptedRequest {
  const notices: FieldNotice[] = [];
  const { anthropic_beta: bodyBetas, ...out } = body;

  const moved = moveSystemMessages(out.system, out.messages);
  if (moved.moved > 0) {
    out.system = moved.system;
    out.messages = moved.messages;
    notices.push({
      field: "messages[].role=system",
      action: "moved",
      detail: `system messages join the top-level system (${rules.name} has no mid-conversation system role)`,
    });
  }

  const capabilities = claudeCapabilities(model);
  if (out.thinking !== undefined) {
    setOrDelete(
      out,
      "thinking",
      adaptThinking(out.thinking, out.max_tokens, out.messages, capabilities, notices),
    );
  }
  if (out.output_config !== undefined) {
    setOrDelete(
      out,
      "output_config",
      adaptOutputConfig(out.output_config, capabilities, rules.name, notices),
    );
  }

  let needsContextBeta = false;
  if (out.context_management !== undefined) {
    if (rules.contextManagement === "drop") {
      delete out.context_management;
      notices.push({
        field: "context_management",
        action: "dropped",
        detail: `${rules.name} has no context editing`,
      });
    } else {
      needsContextBeta = true;
    }
  }
  for (const field of rules.firstPartyOnly) {
    if (out[field] === undefined) continue;
    delete out[field];
    notices.push({
      field,
      action: "dropped",
      detail: `only the Anthropic API takes it, ${rules.name} refuses it`,
    });
  }

  const betas = filterAnthropicBetas(headers, bodyBetas, rules.betas, rules.betaAliases);
  for (const flag of betas.dropped) {
    notices.push({
      field: `anthropic-beta ${flag}`,
      action: "dropped",
      detail: `${rules.name} does not know the flag`,
    });
  }
  if (needsContextBeta && !betas.kept.includes(CONTEXT_MANAGEMENT_BETA)) {
    betas.kept.push(CONTEXT_MANAGEMENT_BETA);
    notices.push({
      field: `anthropic-beta ${CONTEXT_MANAGEMENT_BETA}`,
      action: "mapped",
      detail: "added: the body's context_management is accepted only under it",
    });
  }
  return { body: out, betas: betas.kept, notices };
}

function setOrDelete(body: Json, key: string, value: unknown): void {
  if (value === undefined) delete body[key];
  else body[key] = value;
}

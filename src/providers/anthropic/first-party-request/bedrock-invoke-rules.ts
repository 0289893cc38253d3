import { BEDROCK_ALIASES, BEDROCK_BETAS } from "../../aws-anthropic/bedrock-anthropic-betas.js";
import type { PlatformRules } from "./platform-rules.js";

/**
 * Claude on Bedrock through InvokeModel. Context editing is offered (beta, under its flag), and
 * `metadata` (Claude Code's user_id) is part of Bedrock's Messages schema; the Anthropic API's own
 * fields are refused as extra inputs: `service_tier`, `container`, `inference_geo`, and `speed`
 * (fast mode).
 */
export const BEDROCK_INVOKE_RULES: PlatformRules = {
  name: "Bedrock InvokeModel",
  contextManagement: "keep-with-beta",
  firstPartyOnly: ["service_tier", "container", "inference_geo", "speed"],
  betas: BEDROCK_BETAS,
  betaAliases: BEDROCK_ALIASES,
};

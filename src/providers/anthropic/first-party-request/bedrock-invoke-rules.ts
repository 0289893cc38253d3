import { BEDROCK_ALIASES, BEDROCK_BETAS } from "../../aws-anthropic/bedrock-anthropic-betas.js";
import type { PlatformRules } from "./platform-rules.js";

/**
 * Claude on Bedrock through InvokeModel. Context editing is offered (beta, under its flag); the
 * Anthropic API's account-level fields are refused as extra inputs: `metadata` (Claude Code's
 * user_id), `service_tier`, `container`, `inference_geo`, and `speed` (fast mode, first-party only).
 */
export const BEDROCK_INVOKE_RULES: PlatformRules = {
  name: "Bedrock InvokeModel",
  contextManagement: "keep-with-beta",
  firstPartyOnly: ["metadata", "service_tier", "container", "inference_geo", "speed"],
  betas: BEDROCK_BETAS,
  betaAliases: BEDROCK_ALIASES,
};

import type { PlatformRules } from "./platform-rules.js";

/**
 * Claude through Bedrock Converse. Converse has no context editing (AWS documents the beta for
 * InvokeModel only) and no `metadata` (its requestMetadata tags invocation logs, it is not the
 * user id Claude reads), and Claude's own fields reach the model only through
 * additionalModelRequestFields, where `anthropic_beta` takes the flags below: those AWS shows with
 * Converse (1M context, interleaved thinking, computer use, fine-grained tool streaming, effort).
 */
export const BEDROCK_CONVERSE_RULES: PlatformRules = {
  name: "Bedrock Converse",
  contextManagement: "drop",
  firstPartyOnly: ["metadata", "service_tier", "container", "inference_geo", "speed"],
  betas: new Set([
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "computer-use-2025-11-24",
    "context-1m-2025-08-07",
    "effort-2025-11-24",
    "fine-grained-tool-streaming-2025-05-14",
    "interleaved-thinking-2025-05-14",
  ]),
  betaAliases: {},
};

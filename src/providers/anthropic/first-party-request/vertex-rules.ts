import type { PlatformRules } from "./platform-rules.js";

/**
 * Claude on Vertex AI (rawPredict / streamRawPredict). The body is Anthropic's, with the flags in
 * the `anthropic-beta` header; Vertex answers 400 for a flag it does not offer. Its offered flags:
 * context editing and compaction, 1M context, interleaved thinking, computer use, web search, and
 * tool search (which the Anthropic API names advanced-tool-use-2025-11-20). `service_tier`,
 * `container`, `inference_geo` and `speed` are the Anthropic API's own.
 */
export const VERTEX_RULES: PlatformRules = {
  name: "Vertex AI",
  contextManagement: "keep-with-beta",
  firstPartyOnly: ["service_tier", "container", "inference_geo", "speed"],
  betas: new Set([
    "compact-2026-01-12",
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "computer-use-2025-11-24",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "interleaved-thinking-2025-05-14",
    "tool-search-tool-2025-10-19",
    "web-search-2025-03-05",
  ]),
  betaAliases: { "advanced-tool-use-2025-11-20": "tool-search-tool-2025-10-19" },
};

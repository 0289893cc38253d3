/**
 * The `anthropic-beta` flags Bedrock accepts in the InvokeModel body's `anthropic_beta`. Bedrock
 * rejects the whole request ("invalid beta flag") when any flag is unknown to it, so flags only the
 * Anthropic API knows (prompt-caching-2024-07-31, files-api-2025-04-14, ...) are dropped. The list
 * is the one Envoy AI Gateway keeps, each flag verified against Bedrock, plus effort-2025-11-24
 * (output_config.effort on Opus 4.5) and compact-2026-01-12 (server-side compaction), which Bedrock
 * documents for InvokeModel.
 */
export const BEDROCK_BETAS: ReadonlySet<string> = new Set([
  "computer-use-2024-10-22",
  "computer-use-2025-01-24",
  "context-1m-2025-08-07",
  "compact-2026-01-12",
  "context-management-2025-06-27",
  "dev-full-thinking-2025-05-14",
  "effort-2025-11-24",
  "fine-grained-tool-streaming-2025-05-14",
  "interleaved-thinking-2025-05-14",
  "mcp-client-2025-04-04",
  "mcp-client-2025-11-20",
  "model-context-window-exceeded-2025-08-26",
  "output-128k-2025-02-19",
  "pdfs-2024-09-25",
  "search-results-2025-06-09",
  "token-counting-2024-11-01",
  "token-efficient-tools-2025-02-19",
  "tool-search-tool-2025-10-19",
  "web-search-2025-03-05",
]);

/**
 * Anthropic API flags whose feature Bedrock offers under another name. advanced-tool-use-2025-11-20
 * (tool search, programmatic tool calling, tool use examples) is tool search only on Bedrock, where
 * it is named tool-search-tool-2025-10-19; clients such as Claude Code send the Anthropic name.
 */
export const BEDROCK_ALIASES: Readonly<Record<string, string>> = {
  "advanced-tool-use-2025-11-20": "tool-search-tool-2025-10-19",
};

/**
 * The `anthropic-beta` flags Claude on Vertex accepts (in the request header, as on the Anthropic
 * API). Vertex answers 400 "Unexpected value(s) ... for the anthropic-beta header" for the whole
 * request when one flag is unknown to it. Reported as rejected, and so left out: web-search-2025-03-05,
 * tool-search-tool-2025-10-19, effort-2025-11-24, adaptive-thinking-2026-01-28,
 * prompt-caching-scope-2026-01-05, structured-outputs-2025-11-13, and the Anthropic-API-only
 * files, MCP connector and code execution betas.
 */
export const VERTEX_BETAS: ReadonlySet<string> = new Set([
  "computer-use-2024-10-22",
  "computer-use-2025-01-24",
  "context-1m-2025-08-07",
  "context-management-2025-06-27",
  "fine-grained-tool-streaming-2025-05-14",
  "interleaved-thinking-2025-05-14",
  "output-128k-2025-02-19",
  "pdfs-2024-09-25",
  "token-counting-2024-11-01",
  "token-efficient-tools-2025-02-19",
]);

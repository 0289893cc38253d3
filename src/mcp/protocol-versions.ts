/** The legacy-era revisions the proxy speaks with clients, newest first. */
export const SUPPORTED_VERSIONS: readonly string[] = ["2025-11-25", "2025-06-18", "2025-03-26"];
export const LATEST_VERSION = "2025-11-25";
/** What a request without MCP-Protocol-Version is taken to speak (the spec's rule for servers). */
export const VERSION_WITHOUT_HEADER = "2025-03-26";

/** The version answered to a client's initialize: its own when supported, else the latest. */
export function negotiateVersion(requested: unknown): string {
  return typeof requested === "string" && SUPPORTED_VERSIONS.includes(requested) ? requested : LATEST_VERSION;
}

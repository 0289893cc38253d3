/** The legacy-era revisions the proxy speaks with clients, newest first. */
export const SUPPORTED_VERSIONS: readonly string[] = ["2025-11-25", "2025-06-18", "2025-03-26"];
export const LATEST_VERSION = "2025-11-25";
/** What a request without MCP-Protocol-Version is taken to speak (the spec's rule for servers). */
export const VERSION_WITHOUT_HEADER = "2025-03-26";
/** The stateless (modern-era) revisions: no initialize, no session, the version in every request. */
export const MODERN_VERSIONS: readonly string[] = ["2026-07-28"];
export const MODERN_VERSION = "2026-07-28";
/** Where a modern-era request carries its version (`params._meta`). */
export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

/** The version answered to a client's initialize: its own when supported, else the latest. */
export function negotiateVersion(requested: unknown): string {
  return typeof requested === "string" && SUPPORTED_VERSIONS.includes(requested) ? requested : LATEST_VERSION;
}

export function isModernVersion(version: string | undefined): boolean {
  return version !== undefined && MODERN_VERSIONS.includes(version);
}

import type { IncomingHttpHeaders } from "node:http";
import type { RuntimeSnapshot } from "../config/snapshot.js";
import { firstValue } from "../util/first-value.js";
import type { CompiledMcpRoute } from "./compiled-mcp-route.js";

/** The first MCPRoute, in configuration order, whose path, hostnames and headers admit the request. */
export function matchMcpRoute(
  snapshot: RuntimeSnapshot,
  path: string,
  host: string | undefined,
  headers: IncomingHttpHeaders,
): CompiledMcpRoute | undefined {
  for (const route of snapshot.mcpRoutes) {
    if (route.path !== path || !route.matchesHost(host)) continue;
    if (
      route.headers.every((h) => {
        const value = firstValue(headers[h.name]);
        return value !== undefined && h.test(value);
      })
    )
      return route;
  }
  return undefined;
}

/** The route whose protected resource metadata is served at this path (without a token). */
export function resourceMetadataAt(
  snapshot: RuntimeSnapshot,
  path: string,
  host: string | undefined,
): Readonly<Record<string, unknown>> | undefined {
  for (const route of snapshot.mcpRoutes) {
    const metadata = route.access.resourceMetadata;
    if (metadata?.path === path && route.matchesHost(host)) return metadata.document;
  }
  return undefined;
}

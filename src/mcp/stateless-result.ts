import type { JsonRpcMessage } from "./json-rpc.js";

/** What a 2026-07-28 list result (and resources/read) must say of caching: nothing may be reused. */
export const UNCACHED: Readonly<Record<string, unknown>> = Object.freeze({ ttlMs: 0, cacheScope: "private" });

/** The fields every result the gateway itself makes for a 2026-07-28 client carries. */
export function statelessResultFields(version: string): Record<string, unknown> {
  return {
    resultType: "complete",
    _meta: { "io.modelcontextprotocol/serverInfo": { name: "aigw", version } },
  };
}

/**
 * A backend's result as a 2026-07-28 client gets it: with `resultType` (a legacy backend has none;
 * "complete" is what its absence means) and, when `uncached`, ttlMs 0 / cacheScope private. The
 * same object when nothing is missing, so the relay passes the backend's bytes unchanged.
 */
export function completeStatelessResult(response: JsonRpcMessage, uncached: boolean): JsonRpcMessage {
  const result = response.result;
  if (!result) return response;
  const typed = result.resultType !== undefined;
  if (typed && (!uncached || (result.ttlMs === 0 && result.cacheScope === "private"))) return response;
  return {
    ...response,
    result: { ...result, ...(typed ? {} : { resultType: "complete" }), ...(uncached ? UNCACHED : {}) },
  };
}

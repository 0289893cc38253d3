import type { ServerResponse } from "node:http";
import type { McpRequestListener } from "./mcp-request-record.js";
import type { SessionSealer } from "./session-sealer.js";

/** What every MCP request of one running gateway shares. */
export interface McpContext {
  /** Seals and opens session ids and event ids (its key derived once, at start). */
  readonly sealer: SessionSealer;
  /** Called once per MCP HTTP request, when it is over (the gateway passes it to GatewayContext.mcpReport). */
  readonly report: McpRequestListener;
  readonly log: (line: string) => void;
  /** The bound on each backend's initialize (default 10 s): a slower backend is skipped. */
  readonly initializeTimeoutMs: number;
  /** How often an idle GET stream gets a `:` comment (default 30 s). */
  readonly heartbeatMs: number;
  /**
   * Marks a notification stream as one the gateway's drain ends at once, `last` written first
   * (ServerDrain.endOnDrain).
   */
  readonly endOnDrain: (res: ServerResponse, last?: string) => void;
  /** The gateway's version, for serverInfo. */
  readonly version: string;
}

export const DEFAULT_INITIALIZE_TIMEOUT_MS = 10_000;
export const DEFAULT_HEARTBEAT_MS = 30_000;

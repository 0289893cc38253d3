import type { Resource } from "../config/resource.js";
import type { ResourceIndex } from "../config/resource-index.js";
import type { McpAccess } from "../mcp/mcp-access.js";
import type { McpRequestListener } from "../mcp/mcp-request-record.js";
import type { McpServers } from "../mcp/start-mcp-servers.js";
import type { LedgerOptions } from "../usage/open-ledger.js";
import type { HeaderAttribute } from "./request-header-attributes.js";
import type { RequestListener } from "./request-record.js";

export interface GatewayOptions {
  /** Configuration files or directories. Exactly one of configPaths / configText / resources-from-env applies. */
  configPaths?: string[];
  /** Configuration as YAML text (tests, autoconfig). */
  configText?: string;
  /**
   * Where configText came from, naming its objects in errors and on the console's Configuration
   * page: "<environment>", "<demo>"; default "<config>".
   */
  configOrigin?: string;
  /**
   * Environment for ${VAR} substitution, autoconfig and OpenTelemetry (`OTEL_*`,
   * `AI_GATEWAY_TRACING_SEMCONV`: docs/observability.md); defaults to process.env.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the Gateway listener port (0 = any free port). */
  port?: number;
  /** Bind address for both listeners; default "0.0.0.0" for the data plane, "127.0.0.1" in tests. */
  host?: string;
  /** Admin listener port (/health, /ready, the usage API); default 1064; 0 = any free port. */
  adminPort?: number;
  /** Watch configPaths and reload on change (default true for configPaths). */
  watch?: boolean;
  /** Called once for every finished request. */
  onRequest?: RequestListener;
  /** Called once for every finished MCP request (beside its access log line, metrics and span). */
  onMcpRequest?: McpRequestListener;
  /** Access log destination; default stdout JSON lines. `false` turns it off. */
  accessLog?: ((line: string) => void) | false;
  /** Diagnostic log; default stderr. */
  log?: (line: string) => void;
  /**
   * Token-limit counters shared by replicas in Redis (`redis://` or `rediss://`); without it they
   * live in this process. `type: Local` rate limits always count in this process.
   */
  redisUrl?: string;
  /** When Redis cannot be reached: admit (default) or refuse with 503. */
  redisFailMode?: "open" | "closed";
  /** Request headers recorded as attributes of every request record (`--request-header-attributes`). */
  requestHeaderAttributes?: readonly HeaderAttribute[];
  /**
   * Request headers the access log records (`OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES`); unset:
   * `requestHeaderAttributes` and `agent-session-id` as `session.id`, as upstream.
   */
  logHeaderAttributes?: readonly HeaderAttribute[];
  /** Answers say their route, backend and attempt count (x-aigw-route, x-aigw-backend, x-aigw-attempts). */
  debugHeaders?: boolean;
  /** The metrics on the admin listener's /metrics (docs/observability.md); false: none (`--no-metrics`). */
  metrics?:
    | {
        /** Headers that label the GenAI metrics; unset: `requestHeaderAttributes`. */
        readonly headerAttributes?: readonly HeaderAttribute[];
        /** Distinct values a client-controlled label keeps before `_other` (default 1,000). */
        readonly maxLabelValues?: number;
      }
    | false;
  /**
   * The usage ledger: a durable record of every routed request, in SQLite or PostgreSQL
   * (docs/ledger.md). Unset: no ledger (`aigw run` sets its SQLite default).
   */
  ledger?: LedgerOptions;
  /** The admin token of the usage API and the console; unset: both refuse every caller. */
  adminToken?: string;
  /**
   * The servers of an MCP servers file (`--mcp-config`): their MCPRoute is added to the
   * configuration at every load, and the drain stops them once the requests have ended (when
   * startGateway throws, they are the caller's to stop).
   */
  mcpServers?: McpServers;
  /**
   * The seed the MCP session key is derived from (`--mcp-session-encryption-seed`, env
   * `AIGW_MCP_SESSION_ENCRYPTION_SEED`): replicas with the same seed serve each other's sessions.
   * Unset: upstream's public default seed, with a warning.
   */
  mcpSessionEncryptionSeed?: string;
  /** How long each backend's MCP initialize may take before it is skipped; default 10 s. */
  mcpInitializeTimeoutMs?: number;
  /**
   * How an MCPRoute's securityPolicy compiles into its McpAccess (the access compiler, or a test's
   * stand-in); unset: every route is ALLOW_ALL.
   */
  mcpAccessOf?: (route: Resource, index: ResourceIndex) => McpAccess;
}

export interface RunningGateway {
  /** "http://127.0.0.1:<port>" (or https). */
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  /** Generation of the snapshot currently serving. */
  generation(): number;
  /** Re-reads the configuration; resolves with the error text when the new config is rejected. */
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  /** Requests (and streams) being answered on the data plane right now. */
  inFlight(): number;
  /**
   * Graceful shutdown. At once: `/ready` turns 503 (`/health` stays 200), the data-plane listening
   * socket closes (new connections are refused), idle keep-alive connections close, config watching
   * stops, and every response not yet started, and every request arriving on a connection still
   * open, is answered with `connection: close`. In-flight requests and streams then run to their end
   * for up to `timeoutMs`; whatever is left is cut (its connection destroyed) and counted in
   * `forced`. Finally the admin listener and the upstream pools close, and the ledger writes what it
   * buffers (for up to 5 s; the rest is spilled to a file and written at the next start). A second
   * call while a drain runs shortens its deadline to `timeoutMs` from now (0: cut at once) and
   * resolves with the same result.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
  /** Shuts down at once: `drain(0)`. */
  close(): Promise<void>;
  /** Exports the spans and metrics batched so far now (OTLP), instead of at the next interval. */
  flushTelemetry(): Promise<void>;
}

export interface DrainResult {
  /** In-flight requests cut at the deadline (0 when everything finished in time). */
  forced: number;
}

import { keyOf, type Resource } from "../config/resource.js";
import {
  DEFAULT_GATEWAY_NAME,
  type GatewayRef,
  type McpHttpServer,
  type McpServerSpec,
  mcpServersToResources,
} from "./mcp-servers-file.js";
import { StdioBridge } from "./stdio-bridge.js";

/** The servers of an MCP servers file, running: what the gateway serves them from, and their end. */
export interface McpServers {
  /** "github (http), files (stdio)": for the startup line. */
  readonly summary: string;
  /**
   * The MCPRoute and Backends, attached to the configuration's Gateway when it has exactly one
   * (`aigw-run` otherwise, as upstream's). Called at every (re)load with what the files hold.
   */
  resources(loaded: readonly Resource[]): Resource[];
  /** Stops the stdio servers. */
  close(): Promise<void>;
}

export interface StartMcpServersOptions {
  readonly log: (line: string) => void;
  /** Restart backoff of stdio servers (tests); default 100 ms doubling to 10 s. */
  readonly restartMs?: number;
}

/** Starts a bridge for every stdio server (they are started before the gateway, as upstream's are). */
export async function startMcpServers(
  servers: readonly McpServerSpec[],
  origin: string,
  options: StartMcpServersOptions,
): Promise<McpServers> {
  const bridges: StdioBridge[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(bridges.map((b) => b.close()));
  };
  const http: McpHttpServer[] = [];
  try {
    for (const s of servers) {
      if (s.kind === "http") {
        http.push(s);
        continue;
      }
      const bridge = await StdioBridge.start({ ...s, log: options.log, restartMs: options.restartMs });
      bridges.push(bridge);
      options.log(`aigw: mcp ${s.name}: ${s.command} bridged to ${bridge.url}`);
      http.push({
        kind: "http",
        name: s.name,
        url: new URL(bridge.url),
        apiKey: undefined,
        includeTools: s.includeTools,
      });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    summary: servers.map((s) => `${s.name} (${s.kind})`).join(", "),
    resources: (loaded) => withoutClashes(loaded, mcpServersToResources(http, origin, gatewayOf(loaded))),
    close,
  };
}

/**
 * The file's resources, unless the configuration already has one of them (a Backend named like a
 * server, an MCPRoute default/mcp-route): one would silently replace the other.
 */
function withoutClashes(loaded: readonly Resource[], made: Resource[]): Resource[] {
  const id = (r: Resource): string => `${r.kind} ${keyOf(r.metadata.namespace, r.metadata.name)}`;
  const taken = new Map(loaded.map((r) => [id(r), r.source]));
  for (const r of made) {
    const clash = taken.get(id(r));
    if (clash !== undefined) throw new Error(`${r.source}: ${id(r)} is also defined in ${clash}`);
  }
  return made;
}

function gatewayOf(loaded: readonly Resource[]): GatewayRef {
  const gateways = loaded.filter((r) => r.kind === "Gateway");
  const only = gateways.length === 1 ? gateways[0]!.metadata : undefined;
  return only ? { name: only.name, namespace: only.namespace } : { name: DEFAULT_GATEWAY_NAME };
}

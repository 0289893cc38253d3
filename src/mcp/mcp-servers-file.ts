import {
  AIGW_GROUP,
  DEFAULT_NAMESPACE,
  ENVOY_GATEWAY_GROUP,
  GATEWAY_API_GROUP,
  type Resource,
} from "../config/resource.js";
import { substituteEnv } from "../config/substitute-env.js";

/**
 * The Claude-Desktop-style MCP servers file (`{"mcpServers": {"<name>": {...}}}`) that
 * `aigw run --mcp-config` / `--mcp-json` read, as upstream's aigw reads it: a server with a `url`
 * (type absent, `http` or `streamable-http`) is reached over Streamable HTTP, with its `headers`
 * and `includeTools`; a server with a `command` (type absent or `stdio`) is started with its `args`
 * and `env` and bridged to Streamable HTTP. They become one MCPRoute and its Backends, the
 * resources the same servers written as YAML would be.
 */
export type McpServerSpec = McpHttpServer | McpStdioServer;

export interface McpHttpServer {
  readonly kind: "http";
  readonly name: string;
  readonly url: URL;
  /** `Authorization: Bearer <key>` (header undefined) or another header's raw value. */
  readonly apiKey: { readonly header: string | undefined; readonly key: string } | undefined;
  readonly includeTools: readonly string[] | undefined;
}

export interface McpStdioServer {
  readonly kind: "stdio";
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly includeTools: readonly string[] | undefined;
}

/** What is wrong with an MCP servers file; the message names the file and the field. */
export class McpServersFileError extends Error {
  override readonly name = "McpServersFileError";
}

/** Upstream's MCPRoute, and the Gateway it attaches to when the configuration has no other. */
export const MCP_ROUTE_NAME = "mcp-route";
export const DEFAULT_GATEWAY_NAME = "aigw-run";

/** The Gateway the MCPRoute attaches to. */
export interface GatewayRef {
  readonly name: string;
  readonly namespace?: string | undefined;
}

/** The types upstream takes for Streamable HTTP (agents spell it several ways). */
const HTTP_TYPES = new Set(["", "http", "streamable-http", "streamable_http", "streamableHttp"]);
/**
 * A backend name is the prefix of its tools (`<backend>__<tool>`), split at the first `__`, and of
 * its resource URIs (`<backend>+<uri>`): a Kubernetes name (lowercase letters, digits, '-', '.'),
 * so never a `_` or a `+`.
 */
const BACKEND_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** MCPRoute's toolSelector takes at most this many names. */
const MAX_TOOLS = 32;

/**
 * Reads the file's servers, `${VAR}` substituted in every string (as upstream substitutes the
 * configuration it generates). Throws McpServersFileError naming `origin` and the field.
 */
export function parseMcpServers(
  text: string,
  origin: string,
  env: Readonly<Record<string, string | undefined>>,
): McpServerSpec[] {
  const fail = (field: string, problem: string): never => {
    throw new McpServersFileError(`${origin}: ${field}: ${problem}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail("(file)", `not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) return fail("(file)", 'expected an object {"mcpServers": {...}}');
  const servers = doc.mcpServers;
  if (servers === undefined) return fail("mcpServers", "Required value");
  if (!isObject(servers)) return fail("mcpServers", "expected an object of servers by name");
  const sub = (value: string): string => substituteEnv(value, env);
  return Object.keys(servers)
    .sort()
    .map((name): McpServerSpec => {
      const at = `mcpServers.${name}`;
      const server = servers[name];
      if (!isObject(server)) return fail(at, "expected an object");
      if (!BACKEND_NAME.test(name) || name.length > 253) {
        fail(
          at,
          `${JSON.stringify(name)} cannot name a backend: its tools are exposed as "<name>__<tool>", so it must be lowercase letters, digits, '-' or '.' (no '_'), e.g. ${JSON.stringify(suggestName(name))}`,
        );
      }
      const type = optionalString(server.type, `${at}.type`, fail) ?? "";
      const includeTools = stringList(server.includeTools, `${at}.includeTools`, fail);
      if (includeTools && includeTools.length > MAX_TOOLS) {
        fail(`${at}.includeTools`, `at most ${MAX_TOOLS} tools (MCPRoute toolSelector.include)`);
      }
      if (server.url !== undefined && server.command !== undefined)
        fail(at, "either url or command, not both");
      if (server.command !== undefined) {
        if (type !== "" && type !== "stdio")
          fail(`${at}.type`, `${JSON.stringify(type)} with a command: expected stdio`);
        const command = optionalString(server.command, `${at}.command`, fail);
        if (!command) return fail(`${at}.command`, "Required value");
        return {
          kind: "stdio",
          name,
          command: sub(command),
          args: (stringList(server.args, `${at}.args`, fail) ?? []).map(sub),
          env: Object.fromEntries(
            Object.entries(stringMap(server.env, `${at}.env`, fail)).map(([k, v]) => [k, sub(v)]),
          ),
          includeTools,
        };
      }
      if (server.url === undefined)
        return fail(at, "a server needs a url (Streamable HTTP) or a command (stdio)");
      if (!HTTP_TYPES.has(type)) {
        const why = type === "sse" ? " (the deprecated HTTP+SSE transport is not supported)" : "";
        fail(`${at}.type`, `${JSON.stringify(type)}${why}: expected http or streamable-http`);
      }
      const url = parseUrl(sub(optionalString(server.url, `${at}.url`, fail) ?? ""), `${at}.url`, fail);
      const headers = Object.entries(stringMap(server.headers, `${at}.headers`, fail));
      if (headers.length > 1) {
        fail(
          `${at}.headers`,
          `one header at most: it becomes the backend's API key (MCPRoute securityPolicy.apiKey), got ${headers.map(([h]) => h).join(", ")}`,
        );
      }
      const [header] = headers;
      let apiKey: McpHttpServer["apiKey"];
      if (header) {
        const [headerName, raw] = header;
        const value = sub(raw);
        const bearer = /^bearer /i.test(value) && headerName.toLowerCase() === "authorization";
        apiKey = bearer ? { header: undefined, key: value.slice(7) } : { header: headerName, key: value };
      }
      return { kind: "http", name, url, apiKey, includeTools };
    });
}

/**
 * The MCPRoute `default/mcp-route` at `/mcp` of `gateway`, one backendRef per server (path from its
 * URL, `includeTools` as `toolSelector.include`, the key as `securityPolicy.apiKey` from the Secret
 * `<name>-token`), and per server an Envoy Gateway Backend (+ a BackendTLSPolicy for https), as
 * upstream's aigw generates them. Stdio servers are given as the http servers their bridges are.
 */
export function mcpServersToResources(
  servers: readonly McpHttpServer[],
  origin: string,
  gateway: GatewayRef = { name: DEFAULT_GATEWAY_NAME },
): Resource[] {
  if (servers.length === 0) return [];
  const source = (what: string): string => `${origin} (${what})`;
  const namespace = DEFAULT_NAMESPACE;
  const resources: Resource[] = [];
  const backendRefs = servers.map((s) => {
    const ref: Record<string, unknown> = {
      name: s.name,
      kind: "Backend",
      group: ENVOY_GATEWAY_GROUP,
      path: `${s.url.pathname}${s.url.search}`,
    };
    if (s.includeTools) ref.toolSelector = { include: [...s.includeTools] };
    if (s.apiKey) {
      ref.securityPolicy = {
        apiKey: {
          secretRef: { name: `${s.name}-token` },
          ...(s.apiKey.header ? { header: s.apiKey.header } : {}),
        },
      };
    }
    return ref;
  });
  resources.push({
    apiVersion: `${AIGW_GROUP}/v1beta1`,
    kind: "MCPRoute",
    metadata: { name: MCP_ROUTE_NAME, namespace },
    spec: {
      parentRefs: [
        {
          name: gateway.name,
          kind: "Gateway",
          group: GATEWAY_API_GROUP,
          ...(gateway.namespace && gateway.namespace !== namespace ? { namespace: gateway.namespace } : {}),
        },
      ],
      path: "/mcp",
      backendRefs,
    },
    source: source("mcpServers"),
  });
  for (const s of servers) {
    const https = s.url.protocol === "https:";
    const port = Number(s.url.port || (https ? 443 : 80));
    const host = s.url.hostname.replace(/^\[|\]$/g, "");
    const isIp = /^[0-9.]+$/.test(host) || host.includes(":");
    resources.push({
      apiVersion: `${ENVOY_GATEWAY_GROUP}/v1alpha1`,
      kind: "Backend",
      metadata: { name: s.name, namespace },
      spec: { endpoints: [isIp ? { ip: { address: host, port } } : { fqdn: { hostname: host, port } }] },
      source: source(`mcpServers.${s.name}`),
    });
    if (https) {
      resources.push({
        apiVersion: `${GATEWAY_API_GROUP}/v1`,
        kind: "BackendTLSPolicy",
        metadata: { name: `${s.name}-tls`, namespace },
        spec: {
          targetRefs: [{ group: ENVOY_GATEWAY_GROUP, kind: "Backend", name: s.name }],
          validation: { wellKnownCACertificates: "System", hostname: host },
        },
        source: source(`mcpServers.${s.name}`),
      });
    }
    if (s.apiKey) {
      resources.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `${s.name}-token`, namespace },
        type: "Opaque",
        stringData: { apiKey: s.apiKey.key },
        source: source(`mcpServers.${s.name}.headers`),
      });
    }
  }
  return resources;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Fail = (field: string, problem: string) => never;

function optionalString(value: unknown, field: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return fail(field, `expected a string, got ${typeOf(value)}`);
  return value;
}

function stringList(value: unknown, field: string, fail: Fail): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    return fail(field, "expected an array of strings");
  }
  return value as string[];
}

function stringMap(value: unknown, field: string, fail: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== "string")) {
    return fail(field, "expected an object of strings");
  }
  return value as Record<string, string>;
}

function parseUrl(text: string, field: string, fail: Fail): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(field, `${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return fail(field, "expected an http:// or https:// URL");
  // A key belongs in headers (it becomes a Secret), never in a URL that is logged and shown.
  if (url.username !== "" || url.password !== "") return fail(field, "credentials in the URL: use headers");
  return url;
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

/** A valid backend name close to `name`, for the error message. */
function suggestName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return s === "" ? "server-1" : s;
}

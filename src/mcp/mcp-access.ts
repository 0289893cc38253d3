import type { IncomingMessage } from "node:http";

/**
 * Who an MCP request comes from, as the route's securityPolicy verified it. Without a
 * securityPolicy every caller is anonymous and may do everything the tool selectors allow.
 */
export interface McpCaller {
  /** The JWT `sub` or API-key client id; undefined for an anonymous caller. Sessions are bound to it. */
  readonly subject: string | undefined;
  /** The token's scopes (`scope` split on spaces, or `scp`); empty without a token. */
  readonly scopes: ReadonlySet<string>;
  /** The verified token's claims; empty without a token. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Headers every upstream request of this caller carries (claimToHeaders), lower-case names. */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
}

/** A refused MCP request: the HTTP answer to give (401 with its challenge, 403 ...). */
export interface McpRefusal {
  readonly status: number;
  readonly message: string;
  /** E.g. `WWW-Authenticate: Bearer resource_metadata="...", error="insufficient_scope", scope="..."`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a tool call is checked with (authorization rules with CEL read the request too). */
export interface McpToolRequest {
  /** The backend's name (its backendRefs[].name). */
  readonly backend: string;
  /** The tool's name at the backend (without the `backend__` prefix). */
  readonly tool: string;
  /** The tool call's arguments (tools/call params.arguments), undefined for listings. */
  readonly arguments?: Readonly<Record<string, unknown>>;
  /** The client's request, for CEL `request.headers` (lower-case keys), method and path. */
  readonly req: IncomingMessage;
}

/**
 * One MCPRoute's authentication and authorization, compiled (src/mcp/compile-mcp-access.ts). The
 * MCP proxy asks it; ALLOW_ALL stands in for a route without a securityPolicy.
 */
export interface McpAccess {
  /** Verifies the caller's credential. A refusal is answered as it says; never echoes the credential. */
  authenticate(req: IncomingMessage): McpCaller | McpRefusal | Promise<McpCaller | McpRefusal>;
  /**
   * Whether the caller may call the tool: undefined = allowed; otherwise the refusal (403 with an
   * `insufficient_scope` challenge naming the scopes of the first rule that would allow it).
   * Also filters tools/list: callers see only tools they may call.
   */
  checkTool(caller: McpCaller, request: McpToolRequest): McpRefusal | undefined;
  /** Whether a session of this caller fans out to the backend (backendSelector; default every backend). */
  backendAllowed(caller: McpCaller, backend: string, req: IncomingMessage): boolean;
  /**
   * With OAuth: the RFC 9728 protected resource metadata the gateway serves without a token at
   * `path` (`/.well-known/oauth-protected-resource<route path>`), and `document` its JSON.
   */
  readonly resourceMetadata?: { readonly path: string; readonly document: Readonly<Record<string, unknown>> };
  /**
   * Every header name McpCaller.upstreamHeaders may carry (claimToHeaders, the API key's client
   * headers), lower-case. The proxy never sends a backend the client's own copy of one of these
   * (not even through forwardHeaders), also when this caller's credential gave it no value, so no
   * client can pose as another user. Undefined: none.
   */
  readonly produces?: readonly string[];
}

export const ANONYMOUS: McpCaller = Object.freeze({
  subject: undefined,
  scopes: new Set<string>(),
  claims: Object.freeze({}),
  upstreamHeaders: Object.freeze({}),
});

/** A route without a securityPolicy: everyone may call everything the tool selectors allow. */
export const ALLOW_ALL: McpAccess = Object.freeze({
  authenticate: () => ANONYMOUS,
  checkTool: () => undefined,
  backendAllowed: () => true,
});

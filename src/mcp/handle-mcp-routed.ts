import { callBackendSession } from "./call-backend-session.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import { BACKEND_ERROR, INVALID_PARAMS, type JsonRpcMessage } from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { BackendSession, McpSession } from "./mcp-session.js";
import { isModernVersion } from "./protocol-versions.js";
import { type ResponseRewrite, relayBackendReply } from "./relay-backend-reply.js";
import { completeStatelessResult } from "./stateless-result.js";

type Params = Record<string, unknown>;

/** Where a single-backend request goes, and its params as the backend must see them. */
interface Target {
  readonly backend: string;
  readonly params: Params;
  /** For the refusal message: "tool", "prompt", "resource". */
  readonly what: string;
  readonly rewrite?: ResponseRewrite;
}

/** Per method: its target (and, on the way, what the record names: the tool, prompt or URI as sent). */
const ROUTED: Record<string, (ex: McpExchange, params: Params) => Target | undefined> = {
  "tools/call": (ex, params) => {
    ex.record.tool = stringOr(params.name);
    return byName(ex, params, "tool");
  },
  "prompts/get": (ex, params) => {
    ex.record.prompt = stringOr(params.name);
    return byName(ex, params, "prompt");
  },
  "resources/read": (ex, params) => {
    ex.record.resourceUri = stringOr(params.uri);
    const target = byUri(ex, params);
    return target && { ...target, rewrite: prefixContents(ex, target.backend) };
  },
  "resources/subscribe": (ex, params) => byUri(ex, params),
  "resources/unsubscribe": (ex, params) => byUri(ex, params),
  "completion/complete": (ex, params) => {
    const ref = params.ref as Params | undefined;
    if (ref?.type === "ref/prompt") {
      const split = typeof ref.name === "string" ? ex.route.names.splitName(ref.name) : undefined;
      return (
        split && {
          backend: split.backend,
          params: { ...params, ref: { ...ref, name: split.name } },
          what: "prompt",
        }
      );
    }
    const split = typeof ref?.uri === "string" ? ex.route.names.splitUri(ref.uri) : undefined;
    return (
      split && {
        backend: split.backend,
        params: { ...params, ref: { ...ref, uri: split.name } },
        what: "resource",
      }
    );
  },
};

export function isRoutedMethod(method: string): boolean {
  return Object.hasOwn(ROUTED, method);
}

/**
 * tools/call, prompts/get, resources/read|subscribe|unsubscribe, completion/complete: routed by the
 * prefix of the name or URI to one backend of the session, forwarded with the backend's own name,
 * the answer relayed. A name of no backend of the session, or a tool the selector hides, is the
 * JSON-RPC error -32602; a tool the caller may not call is the access refusal (403 and its
 * challenge).
 */
export async function handleMcpRouted(
  ex: McpExchange,
  session: McpSession,
  message: JsonRpcMessage,
): Promise<void> {
  const id = message.id!;
  const params = message.params ?? {};
  const target = ROUTED[message.method!]!(ex, params);
  const backendSession = target && session.backends.find((b) => b.name === target.backend);
  const backend = target && ex.route.backendsByName.get(target.backend);
  const toolName = message.method === "tools/call" ? (target?.params.name as string | undefined) : undefined;
  if (!target || !backendSession || !backend || (toolName !== undefined && !backend.toolAllowed(toolName))) {
    const what = target?.what ?? (message.method === "tools/call" ? "tool" : "name");
    ex.fail(
      200,
      id,
      INVALID_PARAMS,
      `unknown ${what}: ${String(params.name ?? params.uri ?? "")}`,
      "unknown_name",
    );
    return;
  }
  ex.record.backend = backend.name;
  if (toolName !== undefined) {
    const refusal = ex.route.access.checkTool(ex.caller, {
      backend: backend.name,
      tool: toolName,
      arguments: params.arguments as Record<string, unknown> | undefined,
      req: ex.req,
    });
    if (refusal) {
      ex.fail(refusal.status, id, -32000, refusal.message, "forbidden", { ...refusal.headers });
      return;
    }
  }
  const forwarded = JSON.stringify({ ...message, params: target.params });
  const name = target.params.name ?? target.params.uri;
  await forward(
    ex,
    backend,
    backendSession,
    forwarded,
    id,
    message.method!,
    stringOr(name),
    rewriteFor(session, message.method!, target.rewrite),
  );
}

/** For a 2026-07-28 client, the result also gets what that revision requires of it (stateless-result.ts). */
function rewriteFor(session: McpSession, method: string, rewrite: ResponseRewrite): ResponseRewrite {
  if (!isModernVersion(session.version)) return rewrite;
  const uncached = method === "resources/read";
  return (response) => completeStatelessResult(rewrite ? rewrite(response) : response, uncached);
}

async function forward(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  session: BackendSession,
  body: string,
  id: string | number,
  method: string,
  name: string | undefined,
  rewrite: ResponseRewrite,
): Promise<void> {
  try {
    const reply = await callBackendSession(ex, backend, session, body, method, name);
    await relayBackendReply(ex, backend.name, reply, id, rewrite);
  } catch (err) {
    if (ex.res.headersSent) {
      ex.record.error = "backend_stream_failed";
      ex.res.end();
      return;
    }
    ex.ctx.log(`aigw: MCP route ${ex.route.key}: backend ${backend.name}: ${(err as Error).message}`);
    ex.fail(
      502,
      id,
      BACKEND_ERROR,
      `MCP backend ${backend.name} could not be reached`,
      "backend_unreachable",
    );
  }
}

function byName(ex: McpExchange, params: Params, what: string): Target | undefined {
  const split = typeof params.name === "string" ? ex.route.names.splitName(params.name) : undefined;
  return split && { backend: split.backend, params: { ...params, name: split.name }, what };
}

function byUri(ex: McpExchange, params: Params): Target | undefined {
  const split = typeof params.uri === "string" ? ex.route.names.splitUri(params.uri) : undefined;
  return split && { backend: split.backend, params: { ...params, uri: split.name }, what: "resource" };
}

/** resources/read: the contents name the URIs the client asked for, prefixed. */
function prefixContents(ex: McpExchange, backend: string): ResponseRewrite {
  const { prefixUri } = ex.route.names;
  return (response) => {
    const contents = response.result?.contents;
    if (!Array.isArray(contents)) return response;
    const prefixed = contents.map((c: Params) =>
      typeof c?.uri === "string" ? { ...c, uri: prefixUri(backend, c.uri) } : c,
    );
    return { ...response, result: { ...response.result, contents: prefixed } };
  };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

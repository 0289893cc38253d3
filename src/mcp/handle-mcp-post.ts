import { BodyTooLargeError, readRequestBody } from "../gateway/read-request-body.js";
import { firstValue } from "../util/first-value.js";
import { callMcpBackend } from "./call-mcp-backend.js";
import { fanOutToBackends } from "./fan-out-to-backends.js";
import { handleMcpInitialize } from "./handle-mcp-initialize.js";
import { handleMcpList, isListMethod } from "./handle-mcp-list.js";
import { handleMcpRouted, isRoutedMethod } from "./handle-mcp-routed.js";
import { handleMcpStateless, isStatelessRequest } from "./handle-mcp-stateless.js";
import {
  BACKEND_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  parseMessage,
  resultBody,
} from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import { CAPABILITY, type McpSession } from "./mcp-session.js";
import { SUPPORTED_VERSIONS, VERSION_WITHOUT_HEADER } from "./protocol-versions.js";
import { decodeServerRequestId } from "./server-request-ids.js";

/**
 * POST: one JSON-RPC message. A 2026-07-28 request is served statelessly (handle-mcp-stateless.ts);
 * otherwise initialize opens a session; anything else needs one (and a
 * supported MCP-Protocol-Version). Requests are answered locally (ping), fanned out (lists,
 * logging/setLevel) or routed by prefix; notifications are passed to every backend, and the
 * client's answers to server-to-client requests to the backend their id names; both get 202.
 */
export async function handleMcpPost(ex: McpExchange, bodyLimit: number): Promise<void> {
  let text: string;
  try {
    text = (await readRequestBody(ex.req, bodyLimit)).toString("utf8");
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      ex.fail(413, undefined, INVALID_REQUEST, err.message, "body_too_large", { connection: "close" });
      return;
    }
    throw err;
  }
  const message = parseMessage(text);
  if (!message) {
    const batch = text.trimStart().startsWith("[");
    ex.fail(
      400,
      undefined,
      batch ? INVALID_REQUEST : PARSE_ERROR,
      batch ? "JSON-RPC batches are not supported" : "Parse error: the body is not one JSON-RPC 2.0 message",
      "invalid_message",
    );
    return;
  }
  const record = ex.record;
  record.method = message.method;
  if (message.id !== undefined) record.jsonRpcId = String(message.id);
  const traceparent = (message.params?._meta as { traceparent?: unknown } | undefined)?.traceparent;
  const parent = typeof traceparent === "string" ? traceparent : firstValue(ex.req.headers.traceparent);
  if (parent !== undefined) record.traceparent = parent;
  if (isStatelessRequest(ex, message)) return handleMcpStateless(ex, message);
  if (message.method === "initialize" && isRequest(message)) return handleMcpInitialize(ex, message);
  const version = firstValue(ex.req.headers["mcp-protocol-version"]) ?? VERSION_WITHOUT_HEADER;
  if (!SUPPORTED_VERSIONS.includes(version)) {
    ex.fail(
      400,
      message.id,
      INVALID_REQUEST,
      `Bad Request: unsupported MCP-Protocol-Version ${version}`,
      "unsupported_version",
    );
    return;
  }
  const session = ex.session(message.id);
  if (!session) return;
  if (isResponse(message)) return answerServerRequest(ex, session, message);
  if (isNotification(message)) {
    await fanOutToBackends(ex, session.backends, "POST", text);
    ex.accepted();
    return;
  }
  if (!isRequest(message)) {
    ex.fail(400, message.id, INVALID_REQUEST, "Invalid Request", "invalid_message");
    return;
  }
  const method = message.method!;
  if (method === "ping") return ex.answer(200, resultBody(message.id!, {}));
  if (isListMethod(method)) return handleMcpList(ex, session, message);
  if (isRoutedMethod(method)) return handleMcpRouted(ex, session, message);
  if (method === "logging/setLevel") {
    await fanOutToBackends(
      ex,
      session.backends.filter((b) => (b.caps & CAPABILITY.logging) !== 0),
      "POST",
      text,
    );
    return ex.answer(200, resultBody(message.id!, {}));
  }
  ex.fail(200, message.id, METHOD_NOT_FOUND, `Method not found: ${method}`, "method_not_found");
}

/** The client's answer to a sampling / elicitation / roots request: back to the backend that asked. */
async function answerServerRequest(
  ex: McpExchange,
  session: McpSession,
  message: JsonRpcMessage,
): Promise<void> {
  const decoded = decodeServerRequestId(message.id!);
  const target = decoded && session.backends.find((b) => b.name === decoded.backend);
  const backend = target && ex.route.backendsByName.get(target.name);
  if (!decoded || !target || !backend) {
    ex.fail(
      400,
      undefined,
      INVALID_PARAMS,
      "the response answers no request of this session",
      "unknown_request",
    );
    return;
  }
  ex.record.backend = backend.name;
  try {
    const reply = await callMcpBackend({
      backend,
      method: "POST",
      body: JSON.stringify({ ...message, id: decoded.id }),
      sessionId: target.sessionId,
      protocolVersion: target.version,
      caller: ex.caller,
      clientHeaders: ex.req.headers,
      signal: ex.signal,
    });
    await reply.body.dump().catch(() => undefined);
    ex.accepted();
  } catch (err) {
    ex.ctx.log(`aigw: MCP route ${ex.route.key}: backend ${backend.name}: ${(err as Error).message}`);
    ex.fail(
      502,
      undefined,
      BACKEND_ERROR,
      `MCP backend ${backend.name} could not be reached`,
      "backend_unreachable",
    );
  }
}

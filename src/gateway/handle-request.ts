import type { IncomingMessage, ServerResponse } from "node:http";
import { anthropicErrorBody, anthropicErrorTypeForStatus } from "../api/anthropic-error.js";
import { openAIErrorBody } from "../api/openai-error.js";
import type { AuthPolicy } from "../auth/auth-policy.js";
import { authRequestOf } from "../auth/auth-request-of.js";
import type { RuntimeSnapshot } from "../config/snapshot.js";
import { POST_ENDPOINTS } from "../endpoints/endpoint-table.js";
import { anthropicModelList, listModels, openAIModelList } from "../endpoints/list-models.js";
import { handleMcpRequest } from "../mcp/handle-mcp-request.js";
import { matchMcpRoute, resourceMetadataAt } from "../mcp/match-mcp-route.js";
import { GatewayError } from "./gateway-error.js";
import { type GatewayContext, handleInferenceRequest } from "./handle-inference-request.js";
import { requestHost } from "./match-route.js";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";

/** Dispatches a data-plane request by method and path: model listings, routed APIs, or 404. */
export function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  snapshot: RuntimeSnapshot,
  gateway: GatewayContext,
  requestId: string,
): Promise<void> | undefined {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  // MCP first: an MCPRoute's path is the MCP endpoint whatever it is, model APIs included.
  if (snapshot.mcpRoutes.length > 0 && gateway.mcp) {
    const host = requestHost(req.headers);
    const route = matchMcpRoute(snapshot, path, host, req.headers);
    if (route) return handleMcpRequest(req, res, route, gateway.mcp, snapshot.bodyLimitBytes);
    const metadata = req.method === "GET" ? resourceMetadataAt(snapshot, path, host) : undefined;
    if (metadata) {
      // RFC 9728: the protected resource metadata is public; clients read it before they hold a token.
      req.resume();
      sendBody(res, 200, JSON_TYPE, JSON.stringify(metadata));
      return undefined;
    }
  }
  if (req.method === "POST") {
    const endpoint = POST_ENDPOINTS.get(path);
    if (endpoint) return handleInferenceRequest(req, res, path, endpoint, snapshot, gateway, requestId);
  }
  // Every other request has an access-log line too, written when its answer is done.
  gateway.logPlain?.(req, res, path, requestId);
  if (req.method === "GET") {
    if (path === "/v1/models" || path === "/anthropic/v1/models") {
      // Anthropic clients call GET /v1/models too when ANTHROPIC_BASE_URL points here; they say who they are.
      const anthropic = path.startsWith("/anthropic/") || req.headers["anthropic-version"] !== undefined;
      const send = () => {
        const models = listModels(snapshot, requestHost(req.headers));
        sendBody(res, 200, JSON_TYPE, anthropic ? anthropicModelList(models) : openAIModelList(models));
      };
      if (snapshot.gatewayAuth) return listGuarded(req, res, snapshot.gatewayAuth, anthropic, send, gateway);
      send();
      return undefined;
    }
  }
  req.resume();
  sendBody(res, 404, PLAIN_TEXT, `unsupported path: ${path}`);
  return undefined;
}

/**
 * The model listing behind the Gateway's SecurityPolicy: its authorization sees no model, so a
 * rule that allows by `x-ai-eg-model` alone does not open the listing. Refusals are answered in
 * the listing API's error envelope.
 */
function listGuarded(
  req: IncomingMessage,
  res: ServerResponse,
  policy: AuthPolicy,
  anthropic: boolean,
  send: () => void,
  gateway: GatewayContext,
): Promise<void> | undefined {
  const refuse = (err: unknown) => {
    if (!(err instanceof GatewayError)) {
      gateway.log(`aigw: internal error on ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
    }
    const error =
      err instanceof GatewayError
        ? err
        : new GatewayError(500, "InternalError", "internal gateway error", "internal_error");
    const body = anthropic
      ? anthropicErrorBody(anthropicErrorTypeForStatus(error.status), error.message)
      : openAIErrorBody(error.status, error.type, error.message, error.code);
    sendBody(res, error.status, JSON_TYPE, body, error.headers);
  };
  try {
    const checked = policy.check(authRequestOf(req, undefined));
    if (checked instanceof Promise) return checked.then(send, refuse);
    send();
  } catch (err) {
    refuse(err);
  }
  return undefined;
}

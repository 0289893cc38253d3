import type { IncomingMessage, ServerResponse } from "node:http";
import type { RuntimeSnapshot } from "../config/snapshot.js";
import { POST_ENDPOINTS } from "../endpoints/endpoint-table.js";
import { anthropicModelList, listModels, openAIModelList } from "../endpoints/list-models.js";
import { type GatewayContext, handleInferenceRequest } from "./handle-inference-request.js";
import { requestHost } from "./match-route.js";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";

/** Dispatches a data-plane request by method and path: model listings, routed APIs, or 404. */
export function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  snapshot: RuntimeSnapshot,
  gateway: GatewayContext,
): Promise<void> | undefined {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (req.method === "POST") {
    const endpoint = POST_ENDPOINTS.get(path);
    if (endpoint) return handleInferenceRequest(req, res, path, endpoint, snapshot, gateway);
  } else if (req.method === "GET") {
    if (path === "/v1/models" || path === "/anthropic/v1/models") {
      const models = listModels(snapshot, requestHost(req.headers));
      // Anthropic clients call GET /v1/models too when ANTHROPIC_BASE_URL points here; they say who they are.
      const anthropic = path.startsWith("/anthropic/") || req.headers["anthropic-version"] !== undefined;
      sendBody(res, 200, JSON_TYPE, anthropic ? anthropicModelList(models) : openAIModelList(models));
      return undefined;
    }
  }
  req.resume();
  sendBody(res, 404, PLAIN_TEXT, `unsupported path: ${path}`);
  return undefined;
}

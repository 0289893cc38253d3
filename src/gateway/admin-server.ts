import { createServer, type Server } from "node:http";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";

/**
 * The admin listener (default port 1064): /health answers while the process runs; /ready once a
 * configuration snapshot serves. Metrics join it in a later issue.
 */
export function createAdminServer(isReady: () => boolean): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") return sendBody(res, 200, JSON_TYPE, '{"status":"ok"}');
    if (path === "/ready") {
      return isReady()
        ? sendBody(res, 200, JSON_TYPE, '{"status":"ready"}')
        : sendBody(res, 503, JSON_TYPE, '{"status":"not ready"}');
    }
    sendBody(res, 404, PLAIN_TEXT, `unsupported path: ${path}`);
  });
}

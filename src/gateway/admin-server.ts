import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { CONSOLE_API_PREFIX, consoleApi } from "../console/console-api.js";
import type { ConsoleHandler } from "../console/console-handler.js";
import { CONSOLE_PATH, consoleStatic } from "../console/console-static.js";
import {
  type AdminAnswer,
  answerUsageRequest,
  errorAnswer,
  RECORDS_PATH,
  USAGE_PATH,
  type UsageApiContext,
} from "../usage/usage-api.js";
import { AdminToken, bearerTokenOf } from "./admin-token.js";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";

export interface AdminServerOptions {
  /** False from the start of a drain: /ready answers 503. */
  readonly isReady: () => boolean;
  /** The admin token the usage API and the console require; without one they refuse every caller. */
  readonly token: string | undefined;
  readonly usage: UsageApiContext;
  /** What /metrics serves: Prometheus text; undefined with metrics off (404). */
  readonly metrics: { render(): Promise<string>; readonly contentType: string } | undefined;
  /** The console's JSON endpoints by name (`/console/api/<name>`, docs/console.md); unset: none. */
  readonly consoleHandlers?: ReadonlyMap<string, ConsoleHandler>;
  /** The built front end's directory; default dist/console (tests point elsewhere). */
  readonly consoleDir?: string;
  /** Diagnostic log (a console endpoint that fails); default: none. */
  readonly log?: (line: string) => void;
}

/**
 * The admin listener (default port 1064): /health answers while the process runs; /ready while a
 * configuration snapshot serves and no drain has begun; both are open. The usage API
 * (`/v1/usage`, `/v1/usage/records`) answers only `Authorization: Bearer <admin token>`; /metrics
 * (Prometheus text) is open, as scrapers expect. The console: its files at `/console/` (`/`
 * redirects there) are open, its JSON API under `/console/api/` needs the token or a session.
 */
export function createAdminServer(options: AdminServerOptions): Server {
  // An empty token is none: it would let an empty password in.
  const expected = options.token ? new AdminToken(options.token) : undefined;
  const consoleApiOf = consoleApi({
    token: options.token,
    handlers: options.consoleHandlers ?? new Map(),
    ...(options.log ? { log: options.log } : {}),
  });
  const consoleFiles = consoleStatic(options.consoleDir);
  return createServer((req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (path === "/health") return sendBody(res, 200, JSON_TYPE, '{"status":"ok"}');
    if (path === "/ready") {
      return options.isReady()
        ? sendBody(res, 200, JSON_TYPE, '{"status":"ready"}')
        : sendBody(res, 503, JSON_TYPE, '{"status":"not ready"}');
    }
    const { metrics } = options;
    if (path === "/metrics" && metrics) {
      req.resume();
      void metrics.render().then(
        (text) => sendBody(res, 200, metrics.contentType, text),
        (err: unknown) => sendBody(res, 500, PLAIN_TEXT, `metrics failed: ${(err as Error).message}`),
      );
      return;
    }
    if (path === USAGE_PATH || path === RECORDS_PATH) {
      req.resume();
      const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
      void answerAdmin(req, path, params, expected, options.usage).then(
        (answer) => send(res, answer),
        (err: unknown) => send(res, errorAnswer(500, "internal_error", (err as Error).message)),
      );
      return;
    }
    if (path.startsWith(CONSOLE_API_PREFIX))
      return consoleApiOf(req, res, path, q < 0 ? "" : url.slice(q + 1));
    if (path === "/" || path === "/console" || path.startsWith(CONSOLE_PATH))
      return consoleFiles(req, res, path);
    sendBody(res, 404, PLAIN_TEXT, `unsupported path: ${path}`);
  });
}

async function answerAdmin(
  req: IncomingMessage,
  path: string,
  params: URLSearchParams,
  expected: AdminToken | undefined,
  usage: UsageApiContext,
): Promise<AdminAnswer> {
  if (req.method !== "GET") return errorAnswer(405, "method_not_allowed", `${path} answers GET only`);
  if (expected === undefined) {
    return errorAnswer(401, "unauthorized", "the usage API needs an admin token (AIGW_ADMIN_TOKEN)");
  }
  const presented = bearerTokenOf(req.headers.authorization);
  if (presented === undefined) {
    return errorAnswer(401, "unauthorized", "missing Authorization: Bearer <admin token>");
  }
  if (!expected.matches(presented)) {
    return errorAnswer(401, "unauthorized", "the admin token is not valid");
  }
  return answerUsageRequest(path, params, usage, Date.now());
}

function send(res: ServerResponse, answer: AdminAnswer): void {
  const headers: Record<string, string> = {};
  if (answer.status === 401) headers["www-authenticate"] = 'Bearer realm="aigw admin"';
  if (answer.status === 405) headers.allow = "GET";
  sendBody(res, answer.status, answer.contentType, answer.body, headers);
}

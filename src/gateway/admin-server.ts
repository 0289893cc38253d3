import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  type AdminAnswer,
  answerUsageRequest,
  errorAnswer,
  RECORDS_PATH,
  USAGE_PATH,
  type UsageApiContext,
} from "../usage/usage-api.js";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";

export interface AdminServerOptions {
  /** False from the start of a drain: /ready answers 503. */
  readonly isReady: () => boolean;
  /** The bearer token the usage API requires; without one it refuses every caller. */
  readonly token: string | undefined;
  readonly usage: UsageApiContext;
  /** What /metrics serves: Prometheus text; undefined with metrics off (404). */
  readonly metrics: { render(): Promise<string>; readonly contentType: string } | undefined;
}

/**
 * The admin listener (default port 1064): /health answers while the process runs; /ready while a
 * configuration snapshot serves and no drain has begun; both are open. The usage API
 * (`/v1/usage`, `/v1/usage/records`) answers only `Authorization: Bearer <admin token>`; /metrics
 * (Prometheus text) is open, as scrapers expect.
 */
export function createAdminServer(options: AdminServerOptions): Server {
  // Digests have one length whatever was sent, so the comparison is constant-time over all of it.
  const expected = options.token === undefined ? undefined : digest(options.token);
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
    sendBody(res, 404, PLAIN_TEXT, `unsupported path: ${path}`);
  });
}

async function answerAdmin(
  req: IncomingMessage,
  path: string,
  params: URLSearchParams,
  expected: Buffer | undefined,
  usage: UsageApiContext,
): Promise<AdminAnswer> {
  if (req.method !== "GET") return errorAnswer(405, "method_not_allowed", `${path} answers GET only`);
  if (expected === undefined) {
    return errorAnswer(401, "unauthorized", "the usage API needs an admin token (AIGW_ADMIN_TOKEN)");
  }
  const presented = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "")?.[1];
  if (presented === undefined) {
    return errorAnswer(401, "unauthorized", "missing Authorization: Bearer <admin token>");
  }
  if (!timingSafeEqual(digest(presented), expected)) {
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

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { AdminToken, bearerTokenOf } from "../gateway/admin-token.js";
import { BodyTooLargeError, discardRemainingBody, readRequestBody } from "../gateway/read-request-body.js";
import { JSON_TYPE, sendBody } from "../gateway/send-response.js";
import { type AdminAnswer, errorAnswer } from "../usage/usage-api.js";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { ConsoleHandler } from "./console-handler.js";
import { ConsoleSessions, clearedSessionCookie } from "./console-session.js";

export const CONSOLE_API_PREFIX = "/console/api/";
/** A login body is `{"token": ..., "remember": ...}`: anything bigger is not one. */
export const LOGIN_BODY_LIMIT = 4096;

export interface ConsoleApiOptions {
  /** The admin token; without one every endpoint answers 401. */
  readonly token: string | undefined;
  /** The JSON endpoints by name (besides login, logout and session, which the router answers). */
  readonly handlers: ReadonlyMap<string, ConsoleHandler>;
  /** Where a failing handler is reported (the caller gets a 500); default: nowhere. */
  readonly log?: (line: string) => void;
}

/** An answer and the headers it adds. */
interface ApiAnswer {
  readonly answer: AdminAnswer;
  readonly cookie?: string;
  /** The Allow header of a 405. */
  readonly allow?: string;
}

const NO_CONTENT: AdminAnswer = { status: 204, contentType: JSON_TYPE, body: "" };
/** The session endpoint's answer to a caller not signed in (a 401 would be logged by the browser). */
const SIGNED_OUT: AdminAnswer = { status: 200, contentType: JSON_TYPE, body: '{"authenticated":false}' };

/**
 * The router of `/console/api/<name>[/<subpath>]`. Callers authenticate with the session cookie of
 * `POST login` or with `Authorization: Bearer <admin token>`; never with anything in the URL.
 * The login body must be JSON: a cross-site form cannot send that content type, which (with the
 * cookie's SameSite=Strict) is the defence against cross-site requests.
 */
export function consoleApi(
  options: ConsoleApiOptions,
): (req: IncomingMessage, res: ServerResponse, path: string, query: string) => void {
  // An empty token is none: it would let an empty password in.
  const token = options.token ? new AdminToken(options.token) : undefined;
  const sessions = options.token ? new ConsoleSessions(options.token) : undefined;
  const answer = async (req: IncomingMessage, path: string, query: string): Promise<ApiAnswer> => {
    const rest = path.slice(CONSOLE_API_PREFIX.length);
    const slash = rest.indexOf("/");
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const subpath = slash < 0 ? "" : rest.slice(slash + 1);
    if (!token || !sessions) {
      if (name === "session" && subpath === "" && req.method === "GET") return { answer: SIGNED_OUT };
      return {
        answer: errorAnswer(401, "unauthorized", "the console needs an admin token: set AIGW_ADMIN_TOKEN"),
      };
    }
    const secure = (req.socket as TLSSocket).encrypted === true;
    if (name === "login" && subpath === "") {
      if (req.method !== "POST") return methodNotAllowed("login", "POST");
      return login(req, token, sessions, secure);
    }
    // Ending a session needs no proof of one: clearing a cookie tells no one anything.
    if (name === "logout" && subpath === "") {
      if (req.method !== "POST") return methodNotAllowed("logout", "POST");
      return { answer: NO_CONTENT, cookie: clearedSessionCookie(secure) };
    }
    const nowMs = Date.now();
    const caller = authenticate(req, token, sessions, nowMs);
    // Asked at every load of the page: a 401 here would be logged in the browser's console each time.
    if (caller === undefined && name === "session" && subpath === "" && req.method === "GET") {
      return { answer: SIGNED_OUT };
    }
    if (caller === undefined) {
      return {
        answer: errorAnswer(401, "unauthorized", "sign in, or send Authorization: Bearer <admin token>"),
      };
    }
    if (name === "session" && subpath === "") {
      if (req.method !== "GET") return methodNotAllowed("session", "GET");
      const expires = caller.expiresMs === null ? null : isoTimestamp(caller.expiresMs);
      return {
        answer: {
          status: 200,
          contentType: JSON_TYPE,
          body: JSON.stringify({ authenticated: true, expires }),
        },
      };
    }
    const handler = options.handlers.get(name);
    if (handler === undefined) {
      return { answer: errorAnswer(404, "not_found", `no console endpoint ${CONSOLE_API_PREFIX}${name}`) };
    }
    if (req.method !== "GET") return methodNotAllowed(name, "GET");
    let decoded: string;
    try {
      decoded = decodeURIComponent(subpath);
    } catch {
      return { answer: errorAnswer(400, "invalid_path", `malformed percent-encoding in ${path}`) };
    }
    return { answer: await handler({ query: new URLSearchParams(query), subpath: decoded, nowMs }) };
  };
  return (req, res, path, query) => {
    // Only login reads a body; the rest drop whatever came.
    if (!(path === `${CONSOLE_API_PREFIX}login` && req.method === "POST")) req.resume();
    void answer(req, path, query)
      .catch((err: unknown) => {
        options.log?.(`aigw: console ${req.method} ${path} failed: ${(err as Error).stack ?? String(err)}`);
        return { answer: errorAnswer(500, "internal_error", (err as Error).message) };
      })
      .then((result) => send(res, result));
  };
}

/** Who called: through a session (its expiry) or the bearer token (no expiry); undefined when neither. */
function authenticate(
  req: IncomingMessage,
  token: AdminToken,
  sessions: ConsoleSessions,
  nowMs: number,
): { expiresMs: number | null } | undefined {
  const bearer = bearerTokenOf(req.headers.authorization);
  if (bearer !== undefined) return token.matches(bearer) ? { expiresMs: null } : undefined;
  const expiresMs = sessions.verify(req.headers.cookie, nowMs);
  return expiresMs === undefined ? undefined : { expiresMs };
}

async function login(
  req: IncomingMessage,
  token: AdminToken,
  sessions: ConsoleSessions,
  secure: boolean,
): Promise<ApiAnswer> {
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") {
    await discardRemainingBody(req, { maxBytes: LOGIN_BODY_LIMIT });
    return {
      answer: errorAnswer(415, "unsupported_media_type", "the login body must be application/json"),
    };
  }
  let body: Buffer;
  try {
    body = await readRequestBody(req, LOGIN_BODY_LIMIT);
  } catch (err) {
    // The client went away mid-body (a reset, an abort): nobody reads the answer, nothing to log.
    if (!(err instanceof BodyTooLargeError)) {
      return { answer: errorAnswer(400, "invalid_body", "the login body did not arrive whole") };
    }
    await discardRemainingBody(req, { maxBytes: LOGIN_BODY_LIMIT });
    return { answer: errorAnswer(413, "body_too_large", err.message) };
  }
  const credentials = parseLogin(body);
  if (credentials === undefined) {
    return {
      answer: errorAnswer(400, "invalid_body", 'expected {"token": string, "remember"?: boolean}'),
    };
  }
  if (!token.matches(credentials.token)) {
    return { answer: errorAnswer(401, "unauthorized", "the admin token is not valid") };
  }
  return { answer: NO_CONTENT, cookie: sessions.issue(credentials.remember, Date.now(), secure) };
}

function parseLogin(body: Buffer): { token: string; remember: boolean } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { token, remember, ...others } = value as Record<string, unknown>;
  if (typeof token !== "string" || Object.keys(others).length > 0) return undefined;
  if (remember !== undefined && typeof remember !== "boolean") return undefined;
  return { token, remember: remember === true };
}

function methodNotAllowed(name: string, allow: string): ApiAnswer {
  return {
    answer: errorAnswer(405, "method_not_allowed", `${CONSOLE_API_PREFIX}${name} answers ${allow} only`),
    allow,
  };
}

function send(res: ServerResponse, { answer, cookie, allow }: ApiAnswer): void {
  // Answers are per caller and per moment: no cache (browser or proxy) may keep one.
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (cookie !== undefined) headers["set-cookie"] = cookie;
  if (answer.status === 401) headers["www-authenticate"] = 'Bearer realm="aigw admin"';
  if (allow !== undefined) headers.allow = allow;
  if (answer.status === 413 || answer.status === 415) headers.connection = "close";
  if (answer.status !== 204) {
    sendBody(res, answer.status, answer.contentType, answer.body, headers);
  } else if (!res.headersSent && !res.destroyed) {
    // No content-type or content-length: a 204 has no body to describe.
    res.writeHead(204, headers);
    res.end();
  }
}

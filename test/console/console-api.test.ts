import * as assert from "node:assert/strict";
import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { LOGIN_BODY_LIMIT } from "../../src/console/console-api.js";
import type { ConsoleHandler, ConsoleRequest } from "../../src/console/console-handler.js";
import { ConsoleSessions, SESSION_COOKIE, SESSION_MS } from "../../src/console/console-session.js";
import { createAdminServer } from "../../src/gateway/admin-server.js";
import { JSON_TYPE } from "../../src/gateway/send-response.js";
import { type RawResponse, sendRaw } from "../support/send-raw.js";

const TOKEN = "console-admin-token";
const bearer = { authorization: `Bearer ${TOKEN}` };
/** What the echo handler was called with, last call first. */
const calls: ConsoleRequest[] = [];
const echo: ConsoleHandler = (request) => {
  calls.unshift(request);
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ subpath: request.subpath }) };
};
const handlers = new Map<string, ConsoleHandler>([
  ["echo", echo],
  [
    "broken",
    () => {
      throw new Error("the handler broke");
    },
  ],
  ["rejecting", () => Promise.reject(new Error("the promise broke"))],
]);
/** Every name a caller without a token or session must get 401 from. */
const PROTECTED = ["echo", "echo/x", "broken", "nope", ""];

/** What the admin server logged. */
const logs: string[] = [];
const servers: Server[] = [];
let url: string;
let withoutToken: string;
let emptyToken: string;

async function serve(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const usage = { ledger: undefined, attributeNames: [] };
before(async () => {
  url = await serve(
    createAdminServer({
      isReady: () => true,
      token: TOKEN,
      usage,
      metrics: undefined,
      consoleHandlers: handlers,
      log: (line) => logs.push(line),
    }),
  );
  withoutToken = await serve(
    createAdminServer({
      isReady: () => true,
      token: undefined,
      usage,
      metrics: undefined,
      consoleHandlers: handlers,
    }),
  );
  // An empty token is none: it must not let an empty password in.
  emptyToken = await serve(
    createAdminServer({
      isReady: () => true,
      token: "",
      usage,
      metrics: undefined,
      consoleHandlers: handlers,
    }),
  );
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const api = (name: string, headers: Record<string, string> = {}, base = url) =>
  sendRaw(`${base}/console/api/${name}`, { headers });
const login = (body: string | object, headers: Record<string, string> = {}) =>
  sendRaw(`${url}/console/api/login`, { method: "POST", body, headers });

function errorOf(res: RawResponse): { type: string; message: string } {
  assert.equal(res.headers["content-type"], JSON_TYPE);
  return (JSON.parse(res.text) as { error: { type: string; message: string } }).error;
}

/** The Cookie header a browser sends back after a login's Set-Cookie. */
function cookieOf(res: RawResponse): string {
  const setCookie = res.headers["set-cookie"];
  assert.ok(typeof setCookie === "string" || Array.isArray(setCookie), "a Set-Cookie header");
  return String(setCookie).split(";")[0]!;
}

test("without a token or session every console endpoint answers 401 with www-authenticate and no-store", async () => {
  for (const name of PROTECTED) {
    const res = await api(name);
    assert.equal(res.status, 401, name);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="aigw admin"');
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(errorOf(res).type, "unauthorized");
  }
  assert.equal(calls.length, 0, "no handler ran");
  // The page asks this at every load: not signed in is an answer, not a 401 the browser would log.
  const session = await api("session");
  assert.equal(session.status, 200);
  assert.equal(session.headers["cache-control"], "no-store");
  assert.deepEqual(JSON.parse(session.text), { authenticated: false });
});

test("the bearer token opens every endpoint; a wrong one, another scheme or a token in the URL does not", async () => {
  const ok = await api("echo/a%2Fb?x=1", bearer);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["cache-control"], "no-store");
  assert.deepEqual(JSON.parse(ok.text), { subpath: "a/b" });
  assert.equal(calls[0]!.query.get("x"), "1");
  assert.ok(Math.abs(calls[0]!.nowMs - Date.now()) < 5000);
  assert.equal((await api("echo", { authorization: `bearer  ${TOKEN}` })).status, 200, "scheme case");
  for (const headers of [
    { authorization: `Bearer ${TOKEN}x` },
    { authorization: `Basic ${TOKEN}` },
    { authorization: "Bearer" },
  ]) {
    assert.equal((await api("echo", headers)).status, 401, JSON.stringify(headers));
  }
  for (const query of [`token=${TOKEN}`, `access_token=${TOKEN}`, `authorization=Bearer%20${TOKEN}`]) {
    assert.equal((await api(`echo?${query}`)).status, 401, query);
    assert.deepEqual(JSON.parse((await api(`session?${query}`)).text), { authenticated: false }, query);
  }
  const session = await api("session", bearer);
  assert.equal(session.status, 200);
  assert.deepEqual(JSON.parse(session.text), { authenticated: true, expires: null });
});

test("login with the admin token sets the session cookie, which then authenticates", async () => {
  const before = Date.now();
  const res = await login({ token: TOKEN });
  assert.equal(res.status, 204);
  assert.equal(res.text, "");
  assert.equal(res.headers["cache-control"], "no-store");
  const setCookie = String(res.headers["set-cookie"]);
  const attributes = setCookie.split("; ").slice(1).sort();
  assert.deepEqual(
    attributes,
    ["HttpOnly", "Path=/console/", "SameSite=Strict"],
    "no Max-Age, no Secure over HTTP",
  );
  const cookie = { cookie: cookieOf(res) };
  const session = await api("session", cookie);
  assert.equal(session.status, 200);
  const { authenticated, expires } = JSON.parse(session.text) as { authenticated: boolean; expires: string };
  assert.equal(authenticated, true);
  const expiresMs = Date.parse(expires);
  assert.ok(expiresMs >= before + SESSION_MS && expiresMs <= Date.now() + SESSION_MS, expires);
  assert.equal((await api("echo", cookie)).status, 200);
  assert.equal((await api("echo", { cookie: `theme=dark; ${cookie.cookie}` })).status, 200, "among others");
});

test("remember me: the cookie has Max-Age=30 days and the session lasts as long", async () => {
  const res = await login({ token: TOKEN, remember: true });
  assert.equal(res.status, 204);
  assert.match(String(res.headers["set-cookie"]), /; Max-Age=2592000(;|$)/);
  const session = JSON.parse((await api("session", { cookie: cookieOf(res) })).text) as { expires: string };
  assert.ok(Date.parse(session.expires) > Date.now() + 29 * 86_400_000);
  const notRemembered = await login({ token: TOKEN, remember: false });
  assert.doesNotMatch(String(notRemembered.headers["set-cookie"]), /Max-Age/);
});

test("login refuses a wrong token (401), a malformed body (400), another content type (415), a big body (413)", async () => {
  const wrong = await login({ token: "guess" });
  assert.equal(wrong.status, 401);
  assert.equal(errorOf(wrong).type, "unauthorized");
  assert.equal(wrong.headers["set-cookie"], undefined);
  for (const body of [
    "{",
    "null",
    "[]",
    '"token"',
    "{}",
    { token: 5 },
    { token: TOKEN, remember: "yes" },
    { token: TOKEN, extra: 1 },
  ]) {
    const res = await login(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(errorOf(res).type, "invalid_body");
    assert.equal(res.headers["set-cookie"], undefined);
  }
  // What a cross-site form can send: refused even with the right token.
  for (const contentType of [
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
  ]) {
    const res = await login(JSON.stringify({ token: TOKEN }), { "content-type": contentType });
    assert.equal(res.status, 415, contentType);
    assert.equal(errorOf(res).type, "unsupported_media_type");
    assert.equal(res.headers["set-cookie"], undefined);
  }
  assert.equal(
    (await login(JSON.stringify({ token: TOKEN }), { "content-type": "Application/JSON; charset=utf-8" }))
      .status,
    204,
    "parameters and case of the media type do not matter",
  );
  const big = await login({ token: TOKEN, padding: "x".repeat(LOGIN_BODY_LIMIT) });
  assert.equal(big.status, 413);
  assert.equal(errorOf(big).type, "body_too_large");
});

test("logout clears the cookie", async () => {
  const res = await sendRaw(`${url}/console/api/logout`, { method: "POST", body: "" });
  assert.equal(res.status, 204);
  const setCookie = String(res.headers["set-cookie"]);
  assert.match(
    setCookie,
    new RegExp(`^${SESSION_COOKIE}=; Max-Age=0; Path=/console/; HttpOnly; SameSite=Strict$`),
  );
});

test("a tampered, expired or other-token cookie is refused", async () => {
  const good = cookieOf(await login({ token: TOKEN })).slice(SESSION_COOKIE.length + 1);
  const [expiry, mac] = good.split(".") as [string, string];
  const bad = [
    `${SESSION_COOKIE}=${Number(expiry) + 3_600_000}.${mac}`,
    `${SESSION_COOKIE}=${good}x`,
    // Signed with the right key, but its time is over.
    new ConsoleSessions(TOKEN).issue(false, Date.now() - SESSION_MS - 1000, false).split(";")[0]!,
    // A session of a gateway with another token (or of this one before the token changed).
    new ConsoleSessions("another-token").issue(true, Date.now(), false).split(";")[0]!,
  ];
  for (const cookie of bad) {
    assert.deepEqual(JSON.parse((await api("session", { cookie })).text), { authenticated: false }, cookie);
    assert.equal((await api("echo", { cookie })).status, 401, cookie);
  }
});

test("methods: handlers and session answer GET only, login and logout POST only (405 with Allow)", async () => {
  const cases: [string, "GET" | "POST" | "PUT" | "DELETE", string][] = [
    ["echo", "POST", "GET"],
    ["echo", "DELETE", "GET"],
    ["session", "POST", "GET"],
    ["login", "GET", "POST"],
    ["login", "PUT", "POST"],
    ["logout", "GET", "POST"],
  ];
  for (const [name, method, allow] of cases) {
    const res = await sendRaw(`${url}/console/api/${name}`, { method, headers: bearer });
    assert.equal(res.status, 405, `${method} ${name}`);
    assert.equal(res.headers.allow, allow, `${method} ${name}`);
    assert.equal(errorOf(res).type, "method_not_allowed");
  }
});

test("an unknown name is a 404 in the envelope; a failing handler a 500, and the server goes on", async () => {
  for (const name of ["nope", "", "login/x", "session/x"]) {
    const res = await api(name, bearer);
    assert.equal(res.status, 404, name);
    assert.equal(errorOf(res).type, "not_found");
  }
  for (const name of ["broken", "rejecting"]) {
    const res = await api(name, bearer);
    assert.equal(res.status, 500, name);
    assert.equal(errorOf(res).type, "internal_error");
    assert.equal(res.headers["cache-control"], "no-store");
  }
  assert.equal(logs.length, 2);
  assert.match(logs[0]!, /^aigw: console GET \/console\/api\/broken failed: Error: the handler broke/);
  assert.equal((await api("echo", bearer)).status, 200);
});

test("without an admin token configured everything answers 401 saying to set AIGW_ADMIN_TOKEN", async () => {
  for (const name of [...PROTECTED, "login"]) {
    const res = await api(name, bearer, withoutToken);
    assert.equal(res.status, 401, name);
    assert.match(errorOf(res).message, /set AIGW_ADMIN_TOKEN/);
  }
  for (const base of [withoutToken, emptyToken]) {
    const res = await sendRaw(`${base}/console/api/login`, { method: "POST", body: { token: "" } });
    assert.equal(res.status, 401);
    assert.equal(res.headers["set-cookie"], undefined);
    assert.equal((await api("echo", { authorization: "Bearer " }, base)).status, 401);
    // Not signed in is still an answer the page reads without a 401 in the browser's console.
    assert.deepEqual(JSON.parse((await api("session", {}, base)).text), { authenticated: false });
  }
  assert.equal(
    (await sendRaw(`${emptyToken}/v1/usage`, { headers: { authorization: "Bearer " } })).status,
    401,
  );
});

test("a login whose body never arrives whole is answered without a log line", async () => {
  const { hostname, port } = new URL(url);
  await new Promise<void>((resolve) => {
    const req = httpRequest({
      hostname,
      port,
      method: "POST",
      path: "/console/api/login",
      headers: { "content-type": "application/json", "content-length": "100" },
    });
    req.on("error", () => resolve());
    req.write('{"token":');
    setTimeout(() => {
      req.destroy();
      setTimeout(resolve, 100);
    }, 50);
  });
  assert.deepEqual(
    logs.filter((line) => line.includes("login")),
    [],
  );
});

import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileOf } from "../../src/console/console-static.js";
import { createAdminServer } from "../../src/gateway/admin-server.js";

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const INDEX =
  '<!doctype html><title>aigw</title><script type="module" src="/console/assets/app-3f9a.js"></script>';
const SCRIPT = "console.log('console');";

const servers: Server[] = [];
let built: string;
let notBuilt: string;

async function serve(consoleDir: string): Promise<string> {
  const server = createAdminServer({
    isReady: () => true,
    token: "t",
    usage: { ledger: undefined, attributeNames: [] },
    metrics: undefined,
    consoleDir,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  // A secret beside the front end's directory: what a traversal would be after.
  const top = mkdtempSync(join(tmpdir(), "aigw-console-"));
  writeFileSync(join(top, "secret.txt"), "SECRET");
  const site = join(top, "console");
  mkdirSync(join(site, "assets"), { recursive: true });
  writeFileSync(join(site, "index.html"), INDEX);
  writeFileSync(join(site, "assets", "app-3f9a.js"), SCRIPT);
  writeFileSync(join(site, "assets", "app-3f9a.css"), "body{}");
  writeFileSync(join(site, "favicon.svg"), "<svg/>");
  built = await serve(site);
  notBuilt = await serve(join(top, "missing"));
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** GET with the path sent exactly as written: fetch and undici would normalise `..` and `\`. */
function get(base: string, path: string, method = "GET"): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function assertPageHeaders(answer: Answer, what: string): void {
  assert.equal(answer.headers["content-security-policy"], CSP, what);
  assert.equal(answer.headers["x-content-type-options"], "nosniff", what);
  assert.equal(answer.headers["referrer-policy"], "no-referrer", what);
}

test("/ and /console redirect to /console/", async () => {
  for (const path of ["/", "/console"]) {
    const res = await get(built, path);
    assert.equal(res.status, 302, path);
    assert.equal(res.headers.location, "/console/");
    assertPageHeaders(res, path);
  }
});

test("the page and its files load without a token, with their types and caching", async () => {
  for (const path of ["/console/", "/console/index.html", "/console/usage", "/console/requests/0193abc"]) {
    const res = await get(built, path);
    assert.equal(res.status, 200, path);
    assert.equal(res.text, INDEX, path);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache", path);
    assertPageHeaders(res, path);
  }
  const script = await get(built, "/console/assets/app-3f9a.js");
  assert.equal(script.status, 200);
  assert.equal(script.text, SCRIPT);
  assert.equal(script.headers["content-type"], "text/javascript; charset=utf-8");
  assert.equal(script.headers["cache-control"], "public, max-age=31536000, immutable");
  assertPageHeaders(script, "script");
  assert.equal(
    (await get(built, "/console/assets/app-3f9a.css")).headers["content-type"],
    "text/css; charset=utf-8",
  );
  const icon = await get(built, "/console/favicon.svg");
  assert.equal(icon.headers["content-type"], "image/svg+xml");
  assert.equal(icon.headers["cache-control"], "no-cache", "not a hashed name");
  const head = await get(built, "/console/", "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.text, "");
  assert.equal(head.headers["content-length"], String(Buffer.byteLength(INDEX)));
});

test("a hashed asset that is not there is a 404, not the page", async () => {
  const res = await get(built, "/console/assets/app-old.js");
  assert.equal(res.status, 404);
  assertPageHeaders(res, "404");
});

test("paths that would leave the front end's directory are refused", async () => {
  const attempts = [
    "/console/../secret.txt",
    "/console/%2e%2e/secret.txt",
    "/console/%2E%2E%2Fsecret.txt",
    "/console/assets/..%2f..%2fsecret.txt",
    "/console/..%5csecret.txt",
    "/console/..\\secret.txt",
    "/console/assets\\..\\..\\secret.txt",
    "/console/index.html%00.js",
    "/console/./index.html",
    "/console/%",
  ];
  for (const path of attempts) {
    const res = await get(built, path);
    assert.equal(res.status, 400, path);
    assert.doesNotMatch(res.text, /SECRET/, path);
    assertPageHeaders(res, path);
  }
});

test("only GET and HEAD are answered", async () => {
  const res = await get(built, "/console/", "POST");
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, "GET, HEAD");
});

test("without the built front end the console answers 503 saying how to build it", async () => {
  for (const path of ["/console/", "/console/assets/app-3f9a.js"]) {
    const res = await get(notBuilt, path);
    assert.equal(res.status, 503, path);
    assert.match(res.text, /npm run build/);
    assertPageHeaders(res, path);
  }
});

test("a name no file could have (too long) is the page, not a 500 naming the install's paths", async () => {
  const res = await get(built, `/console/${"a".repeat(300)}`);
  assert.equal(res.status, 200);
  assert.equal(res.text, INDEX);
  const asset = await get(built, `/console/assets/${"b".repeat(300)}.js`);
  assert.equal(asset.status, 404);
  assert.ok(!asset.text.includes(tmpdir()), "no path of the machine in the answer");
});

test("fileOf: the file under /console/ a path names, or undefined for any way out", () => {
  assert.equal(fileOf(""), "");
  assert.equal(fileOf("assets/app.js"), "assets/app.js");
  assert.equal(fileOf("assets//app.js"), "assets/app.js");
  assert.equal(fileOf("a%20b.txt"), "a b.txt");
  for (const bad of ["..", "a/../b", "%2e%2e/x", "a\\b", "a%5cb", "a%00", ".", "%E0%A4%A"]) {
    assert.equal(fileOf(bad), undefined, bad);
  }
});

import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { cleanEnv, newDataHome, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait-for.js";

/**
 * Two `aigw run --ledger postgres://...` replicas sharing one ledger in the machine's PostgreSQL,
 * reached through a TCP proxy the test stops and starts: the replicas start while the database is
 * unreachable, keep serving through an outage, and every record arrives once it is back, including
 * those a replica could only spill when it was stopped during the outage.
 */

const TOKEN = "ledger-pg-token";
let db: ThrowawayDatabase;
let proxy: TcpProxy;
let upstream: RecordingUpstream;
let config: string;
let a: ServingAigw;
let b: ServingAigw;
const dataHomeOfB = newDataHome();

const args = () => [
  config,
  "--port",
  "0",
  "--admin-port",
  "0",
  "--host",
  "127.0.0.1",
  "--no-access-log",
  "--ledger",
  db.urlVia(proxy.hostPort),
  "--request-header-attributes",
  "x-tag:tag",
];

before(async () => {
  db = await createThrowawayDatabase();
  proxy = await startTcpProxy("127.0.0.1", 5432);
  upstream = await startFakeOpenAI();
  config = join(mkdtempSync(join(tmpdir(), "aigw-ledger-pg-")), "config.yaml");
  writeFileSync(
    config,
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url),
      routeDoc("chat", { rules: [{ matches: [modelIs("gpt-a")], backendRefs: [{ name: "up" }] }] }),
    ),
  );
});

after(async () => {
  await Promise.all([a, b].filter(Boolean).map((g) => g.stop()));
  await upstream?.close();
  await proxy?.stop();
  await db?.drop();
});

async function ask(gateway: ServingAigw, tag: string): Promise<void> {
  const client = new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-tag": tag },
  });
  await client.chat.completions.create({ model: "gpt-a", messages: [{ role: "user", content: "Hi" }] });
}

async function recordedTags(gateway: ServingAigw): Promise<string[]> {
  const res = await sendRaw(`${gateway.adminUrl}/v1/usage/records?limit=1000`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  if (res.status !== 200) return [];
  return (JSON.parse(res.text) as { records: { tag: string }[] }).records.map((r) => r.tag).sort();
}

/** Polls until the replica's ledger holds exactly `tags` (the other replica writes within ~1 s). */
async function waitForTags(gateway: ServingAigw, tags: string[], timeoutMs: number): Promise<void> {
  let seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    seen = await recordedTags(gateway);
    if (seen.length >= tags.length || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(seen, [...tags].sort());
}

test("replicas start while PostgreSQL is unreachable, create the schema when it answers, and each sees both's records", async () => {
  await proxy.stop();
  const env = () => cleanEnv({ AIGW_ADMIN_TOKEN: TOKEN });
  [a, b] = await Promise.all([
    serveAigw(args(), env()),
    serveAigw(args(), { ...env(), AIGW_DATA_HOME: dataHomeOfB }),
  ]);
  for (const g of [a, b]) assert.match(g.stderr(), /usage ledger in postgres:\/\/.*127\.0\.0\.1/);
  await ask(a, "a1");
  await proxy.start();
  await ask(a, "a2");
  await ask(b, "b1");
  await ask(b, "b2");
  const tags = ["a1", "a2", "b1", "b2"];
  await waitForTags(a, tags, 15_000);
  await waitForTags(b, tags, 5_000);
  assert.deepEqual(await db.query("SELECT version FROM aigw_ledger_schema"), [{ version: 2 }]);
  const totals = await sendRaw(`${b.adminUrl}/v1/usage`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const [row] = (JSON.parse(totals.text) as { rows: Record<string, number>[] }).rows;
  assert.equal(row?.requests, 4);
  assert.equal(row?.total_tokens, 4 * FAKE_CHAT_USAGE.total_tokens);
});

/** How many times `pattern` occurs in what the replica logged so far. */
const count = (g: ServingAigw, pattern: RegExp): number =>
  g.stderr().match(new RegExp(pattern, "g"))?.length ?? 0;
const UNREACHABLE = /ledger postgres \S+ unreachable/;
const REACHABLE = /ledger postgres \S+ reachable again/;

test("an outage never fails or holds a request; what was served meanwhile is written when PostgreSQL is back", async () => {
  const before = await recordedTags(a);
  const outages = [a, b].map((g) => count(g, UNREACHABLE));
  const recoveries = [a, b].map((g) => count(g, REACHABLE));
  await proxy.stop();
  const started = Date.now();
  const during: string[] = [];
  for (let i = 0; i < 5; i++) {
    for (const [name, g] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const tag = `outage-${name}${i}`;
      await ask(g, tag);
      during.push(tag);
    }
  }
  assert.ok(Date.now() - started < 5000, `10 requests took ${Date.now() - started} ms`);
  // Each replica writes its batch within a second, fails, and says so once.
  await waitFor("both replicas to find PostgreSQL gone", () =>
    [a, b].every((g, i) => count(g, UNREACHABLE) === outages[i]! + 1),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(
    [a, b].map((g) => count(g, UNREACHABLE)),
    outages.map((n) => n + 1),
    "one line per outage, not one per retry",
  );
  await proxy.start();
  await waitForTags(a, [...before, ...during], 20_000);
  await waitFor("both replicas to recover", () =>
    [a, b].every((g, i) => count(g, REACHABLE) === recoveries[i]! + 1),
  );
});

test("a replica stopped during an outage spills what it could not write; its next start writes it", async () => {
  const before = await recordedTags(a);
  await proxy.stop();
  const spilled = ["spill-1", "spill-2", "spill-3"];
  for (const tag of spilled) await ask(b, tag);
  const stopping = Date.now();
  assert.equal(await b.stop(), 0);
  assert.ok(Date.now() - stopping < 10_000);
  assert.match(b.stderr(), /3 records not written at shutdown, kept in .*ledger-spill/);
  await proxy.start();
  b = await serveAigw(args(), { ...cleanEnv({ AIGW_ADMIN_TOKEN: TOKEN }), AIGW_DATA_HOME: dataHomeOfB });
  await waitForTags(a, [...before, ...spilled], 15_000);
  await waitFor("the replay line", () => /wrote 3 spilled records/.test(b.stderr()));
  assert.equal(
    (await recordedTags(b)).filter((t) => t.startsWith("spill-")).length,
    3,
    "each spilled record written once",
  );
});

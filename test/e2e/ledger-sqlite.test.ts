import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { cleanEnv, newDataHome, runAigw, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";

/**
 * `aigw run` with the default ledger, a SQLite file in AIGW_DATA_HOME: on without a flag, its
 * records survive a restart, SIGTERM in the middle of traffic loses none of what the upstream
 * answered, a second process on the same file is refused, and `--ledger off` turns it off.
 */

const TOKEN = "ledger-sqlite-token";
/** Every answer takes this long, so SIGTERM finds requests in flight. */
const ANSWER_DELAY_MS = 300;
let upstream: RecordingUpstream;
let config: string;
const dataHome = newDataHome();
let running: ServingAigw | undefined;

const ARGS = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--no-access-log"];

before(async () => {
  upstream = await startRecordingUpstream(async (req, res) => {
    await sleep(ANSWER_DELAY_MS);
    return fakeOpenAIHandler(req, res);
  });
  config = join(mkdtempSync(join(tmpdir(), "aigw-ledger-sqlite-")), "config.yaml");
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
  await running?.stop();
  await upstream?.close();
});

const serve = () =>
  serveAigw(
    [config, ...ARGS, "--request-header-attributes", "x-tag:tag"],
    cleanEnv({ AIGW_ADMIN_TOKEN: TOKEN, AIGW_DATA_HOME: dataHome }),
  );

function ask(gateway: ServingAigw, tag: string, stream: boolean): Promise<unknown> {
  const client = new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-tag": tag },
  });
  const messages = [{ role: "user" as const, content: "Hi" }];
  if (!stream) return client.chat.completions.create({ model: "gpt-a", messages });
  const streamed = {
    model: "gpt-a",
    messages,
    stream: true as const,
    stream_options: { include_usage: true },
  };
  return client.chat.completions.create(streamed).then(async (chunks) => {
    for await (const _ of chunks) {
      // read to the end
    }
  });
}

async function records(gateway: ServingAigw): Promise<Record<string, unknown>[]> {
  const res = await sendRaw(`${gateway.adminUrl}/v1/usage/records?limit=1000`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200, res.text);
  return (JSON.parse(res.text) as { records: Record<string, unknown>[] }).records;
}

/** The tags of the requests the upstream answered to the end. */
async function servedTags(): Promise<string[]> {
  const tags: string[] = [];
  for (const req of upstream.requests)
    if ((await req.outcome) === "finished") tags.push(String(req.headers["x-tag"]));
  return tags.sort();
}

test("the ledger is on by default, in AIGW_DATA_HOME/ledger.sqlite; SIGTERM mid-traffic loses nothing; records survive the restart", async () => {
  const first = await serve();
  running = first;
  assert.match(first.stderr(), new RegExp(`usage ledger in ${join(dataHome, "ledger.sqlite")}`));
  await ask(first, "before-1", false);
  await ask(first, "before-2", true);
  // Twenty requests in flight, half of them streams, when SIGTERM comes.
  const inFlight = Array.from({ length: 20 }, (_, i) => ask(first, `inflight-${i}`, i % 2 === 0));
  await sleep(ANSWER_DELAY_MS / 3);
  const exit = first.stop();
  const outcomes = await Promise.allSettled(inFlight);
  assert.equal(await exit, 0);
  running = undefined;
  assert.deepEqual(
    outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason)),
    [],
    "the drain let every request finish",
  );
  assert.ok(existsSync(join(dataHome, "ledger.sqlite")));
  assert.ok(!existsSync(join(dataHome, "ledger.sqlite.pid")), "the lock went with the process");

  const second = await serve();
  running = second;
  const kept = await records(second);
  const served = await servedTags();
  assert.equal(served.length, 22);
  assert.deepEqual(kept.map((r) => r.tag).sort(), served, "one record for every answer the upstream gave");
  for (const record of kept) {
    assert.equal(record.status, 200);
    assert.equal(record.error, null);
    assert.equal(record.total_tokens, FAKE_CHAT_USAGE.total_tokens);
  }
  assert.equal(kept.filter((r) => r.stream === true).length, 11);
  await ask(second, "after-1", false);
  assert.equal((await records(second)).length, 23, "and the restarted process writes on");
});

test("a second process on the same SQLite file is refused at start, naming postgres:// for replicas", async () => {
  assert.ok(running, "the process of the previous test still runs");
  const pid = running.child.pid;
  const second = await runAigw(["run", config, ...ARGS], cleanEnv({ AIGW_DATA_HOME: dataHome }));
  assert.equal(second.code, 1);
  assert.match(
    second.stderr,
    new RegExp(`aigw: ledger: the SQLite ledger .*ledger\\.sqlite is in use by process ${pid}`),
  );
  assert.match(second.stderr, /use postgres:\/\/ for replicas/);
  assert.doesNotMatch(second.stderr, /listening on/);
});

test("--ledger off: no file, no token printed, and the usage API says the ledger is off", async () => {
  const home = newDataHome();
  const off = await serveAigw(
    [config, ...ARGS, "--ledger", "off"],
    cleanEnv({ AIGW_DATA_HOME: home, AIGW_ADMIN_TOKEN: TOKEN }),
  );
  try {
    assert.match(off.stderr(), /usage ledger off/);
    assert.equal(off.adminToken, undefined);
    await ask(off, "off-1", false);
    const res = await sendRaw(`${off.adminUrl}/v1/usage`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 404);
    assert.deepEqual(readdirSync(home), []);
  } finally {
    assert.equal(await off.stop(), 0);
  }
});

test("without AIGW_ADMIN_TOKEN a token is made up and printed once; it opens the usage API", async () => {
  const own = await serveAigw([config, ...ARGS], cleanEnv());
  try {
    assert.ok(own.adminToken && own.adminToken.length >= 32, own.stderr());
    assert.equal(own.stderr().split(own.adminToken).length, 2, "printed once");
    const headers = { authorization: `Bearer ${own.adminToken}` };
    assert.equal((await sendRaw(`${own.adminUrl}/v1/usage`, { headers })).status, 200);
    assert.equal((await sendRaw(`${own.adminUrl}/v1/usage`)).status, 401);
  } finally {
    await own.stop();
  }
});

test("a ledger URL that is neither sqlite:, postgres:// nor off is refused (exit 2)", async () => {
  const bad = await runAigw(["run", config, ...ARGS, "--ledger", "mysql://db/x"], cleanEnv());
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ledger: expected sqlite:PATH, postgres:\/\/\.\.\. or off/);
  const fromEnv = await runAigw(["run", config, ...ARGS], cleanEnv({ AIGW_LEDGER_URL: "sqlite://host/x" }));
  assert.equal(fromEnv.code, 2);
});

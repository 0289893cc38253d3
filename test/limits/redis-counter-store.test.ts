import assert from "node:assert/strict";
import { type ChildProcess, execFile } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { type BucketCheck, CounterStoreUnavailableError } from "../../src/limits/counter-store.js";
import { MemoryCounterStore } from "../../src/limits/memory-counter-store.js";
import { openCounterStore } from "../../src/limits/open-counter-store.js";
import { RedisCounterStore } from "../../src/limits/redis-counter-store.js";
import { launchRedisServer } from "../support/redis-server.js";

const SHARED_URL = "redis://127.0.0.1:6379";
/** Every key of this run starts with it, so runs never see each other's counters and cleanup is exact. */
const prefix = `aigw-test:counter-store:${process.pid}:${Date.now()}:`;
const inspect = new Redis(SHARED_URL);
const servers = new Set<ChildProcess>();

after(async () => {
  for (const server of servers) server.kill("SIGKILL");
  const keys = await inspect.keys(`${prefix}*`);
  if (keys.length > 0) await inspect.del(...keys);
  await inspect.quit();
});

function windowEnd(inMs = 60_000): number {
  return Date.now() + inMs;
}

function bucket(
  name: string,
  limit: number,
  cost: number,
  enforce = true,
  windowEndMs = windowEnd(),
): BucketCheck {
  return { key: prefix + name, limit, cost, enforce, windowEndMs };
}

function sharedStore(log: string[] = []): RedisCounterStore {
  return new RedisCounterStore({ url: SHARED_URL, log: (line) => log.push(line) });
}

test("the refusal rule: with a cost it must fit (at the limit is fine), without one the bucket must not be spent", async () => {
  const log: string[] = [];
  // Checked straight after construction: the first check waits for the connection being made.
  const store = sharedStore(log);
  try {
    assert.deepEqual(await store.check([bucket("cost", 3, 2)]), {
      allowed: true,
      refusedIndex: -1,
      used: [2],
      degraded: false,
    });
    assert.deepEqual(await store.check([bucket("cost", 3, 2)]), {
      allowed: false,
      refusedIndex: 0,
      used: [2],
      degraded: false,
    });
    assert.deepEqual((await store.check([bucket("cost", 3, 1)])).used, [3]);
    assert.equal((await store.check([bucket("cost", 3, 1)])).allowed, false);

    store.charge([{ key: `${prefix}tokens`, amount: 99, windowEndMs: windowEnd() }]);
    assert.deepEqual(await store.check([bucket("tokens", 100, 0)]), {
      allowed: true,
      refusedIndex: -1,
      used: [99],
      degraded: false,
    });
    store.charge([{ key: `${prefix}tokens`, amount: 1, windowEndMs: windowEnd() }]);
    const spent = await store.check([bucket("tokens", 100, 0)]);
    assert.equal(spent.allowed, false);
    assert.deepEqual(spent.used, [100]);
    assert.deepEqual(log, [], "nothing to report while Redis answers");
  } finally {
    await store.close();
  }
});

test("a shadow bucket is counted but never refuses; a refusal charges none of the buckets", async () => {
  const store = sharedStore();
  try {
    for (let i = 1; i <= 3; i++) {
      const result = await store.check([bucket("shadow", 1, 1, false)]);
      assert.equal(result.allowed, true);
      assert.deepEqual(result.used, [i]);
    }
    store.charge([{ key: `${prefix}spent`, amount: 5, windowEndMs: windowEnd() }]);
    const refused = await store.check([
      bucket("room", 10, 1),
      bucket("shadow-2", 0, 1, false),
      bucket("spent", 5, 1),
      bucket("tokens-spent", 0, 0),
    ]);
    assert.deepEqual(refused, { allowed: false, refusedIndex: 2, used: [0, 0, 5, 0], degraded: false });
    assert.equal(
      await inspect.exists(`${prefix}room`, `${prefix}shadow-2`),
      0,
      "the refusal created no counter",
    );
    assert.equal(await inspect.get(`${prefix}spent`), "5");
  } finally {
    await store.close();
  }
});

test("counters expire after their window (plus a second of slack); charges add, and skip what is not worth counting", async () => {
  const store = sharedStore();
  try {
    const longEnd = windowEnd(60_000);
    await store.check([bucket("long", 10, 1, true, longEnd)]);
    const longTtl = await inspect.pttl(`${prefix}long`);
    assert.ok(longTtl > 60_000 && longTtl <= longEnd + 1_000 - Date.now() + 50, `ttl ${longTtl}`);

    const shortEnd = windowEnd(200);
    await store.check([bucket("short", 10, 1, true, shortEnd)]);
    const shortTtl = await inspect.pttl(`${prefix}short`);
    assert.ok(shortTtl > 0 && shortTtl <= 1_250, `ttl ${shortTtl}`);
    while ((await inspect.exists(`${prefix}short`)) === 1) {
      assert.ok(Date.now() < shortEnd + 3_000, "the key outlived its window by more than its slack");
      await sleep(50);
    }
    assert.ok(Date.now() >= shortEnd + 900, "the key lived on for the slack after its window");

    store.charge([
      { key: `${prefix}charged`, amount: 7, windowEndMs: longEnd },
      { key: `${prefix}zero`, amount: 0, windowEndMs: longEnd },
      { key: `${prefix}over`, amount: 7, windowEndMs: Date.now() - 1 },
    ]);
    store.charge([{ key: `${prefix}charged`, amount: 3, windowEndMs: longEnd }]);
    // Commands on one connection run in order: this check reads after the charges landed.
    assert.deepEqual((await store.check([bucket("charged", 100, 0, true, longEnd)])).used, [10]);
    const chargedTtl = await inspect.pttl(`${prefix}charged`);
    assert.ok(
      chargedTtl > 0 && chargedTtl <= longEnd + 1_000 - Date.now() + 50,
      "a charge sets the expiry too",
    );
    assert.equal(await inspect.exists(`${prefix}zero`, `${prefix}over`), 0);
  } finally {
    await store.close();
  }
});

test("two replicas (two connections) sharing one key never admit more than the limit", async () => {
  const replicas = [sharedStore(), sharedStore()];
  try {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => replicas[i % 2]!.check([bucket("race", 50, 1)])),
    );
    assert.equal(results.filter((r) => r.allowed).length, 50);
    assert.ok(results.every((r) => !r.degraded));
    assert.equal(await inspect.get(`${prefix}race`), "50");
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
});

test("openCounterStore: memory without a URL, Redis with one", async () => {
  const memory = openCounterStore({ log: () => {} });
  const redis = openCounterStore({ redisUrl: SHARED_URL, log: () => {} });
  try {
    assert.ok(memory instanceof MemoryCounterStore);
    assert.ok(redis instanceof RedisCounterStore);
    await redis.check([bucket("factory", 5, 1)]);
    assert.equal(await inspect.get(`${prefix}factory`), "1");
  } finally {
    await Promise.all([memory.close(), redis.close()]);
  }
});

test("an outage: fail open fast with one log line, fail closed, keep charges and flush them when Redis is back", async () => {
  const port = await freePort();
  // A user of its own and db 3: the URL's credentials and database are honoured.
  const serverArgs = [
    "--port",
    String(port),
    "--user",
    "default",
    "off",
    "--user",
    "aigw",
    "on",
    ">secret",
    "~*",
    "+@all",
  ];
  let server = await startRedis(serverArgs);
  const url = `redis://aigw:secret@127.0.0.1:${port}/3`;
  const openLog: string[] = [];
  const closedLog: string[] = [];
  const open = new RedisCounterStore({ url, log: (line) => openLog.push(line), maxPendingKeys: 3 });
  const closed = new RedisCounterStore({ url, failMode: "closed", log: (line) => closedLog.push(line) });
  // ioredis prints an "Unhandled error event" per failed reconnection unless someone listens.
  const printed: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => printed.push(args.join(" "));
  const direct = new Redis(url, { maxRetriesPerRequest: 0 });
  direct.on("error", () => {}); // it reconnects by itself after the restart
  try {
    assert.deepEqual((await open.check([bucket("outage", 10, 1)])).used, [1]);
    assert.deepEqual((await closed.check([bucket("outage", 10, 1)])).used, [2]);
    assert.equal(await direct.get(`${prefix}outage`), "2", "counted in db 3 as aigw");

    server.kill("SIGKILL");
    await once(server, "exit");

    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const result = await open.check([bucket("outage", 10, 1)]);
      assert.ok(Date.now() - started < 1_000, `a fail-open answer took ${Date.now() - started} ms`);
      assert.deepEqual(result, { allowed: true, refusedIndex: -1, used: [0], degraded: true });
    }
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, () => open.check([bucket("outage", 10, 1)])),
    );
    assert.ok(concurrent.every((r) => r.degraded && r.allowed));
    assert.equal(openLog.length, 1, openLog.join("\n"));
    assert.match(openLog[0]!, /^aigw: redis unreachable \(.+\): failing open$/);

    const started = Date.now();
    await assert.rejects(closed.check([bucket("outage", 10, 1)]), CounterStoreUnavailableError);
    await assert.rejects(closed.check([bucket("outage", 10, 1)]), CounterStoreUnavailableError);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(closedLog.length, 1, closedLog.join("\n"));
    assert.match(closedLog[0]!, /^aigw: redis unreachable \(.+\): failing closed$/);

    // A store started during the outage answers within its command timeout and closes at once.
    const late = new RedisCounterStore({ url });
    const lateStart = Date.now();
    assert.equal((await late.check([bucket("outage", 10, 1)])).degraded, true);
    await late.close();
    assert.ok(
      Date.now() - lateStart < 1_500,
      `a store started while Redis is down took ${Date.now() - lateStart} ms`,
    );

    const longEnd = windowEnd();
    open.charge([{ key: `${prefix}kept`, amount: 4, windowEndMs: longEnd }]);
    open.charge([
      { key: `${prefix}kept`, amount: 4, windowEndMs: longEnd },
      { key: `${prefix}short`, amount: 1, windowEndMs: windowEnd(150) },
      { key: `${prefix}third`, amount: 1, windowEndMs: longEnd },
      { key: `${prefix}dropped`, amount: 1, windowEndMs: longEnd },
    ]);
    await sleep(300); // the "short" window ends during the outage

    server = await startRedis(serverArgs);
    const restarted = Date.now();
    while ((await open.check([bucket("probe", 10, 0)])).degraded) {
      assert.ok(Date.now() - restarted < 15_000, "checks did not work again within 15 s");
      await sleep(100);
    }
    assert.equal(openLog.length, 2, openLog.join("\n"));
    assert.equal(
      openLog[1],
      "aigw: redis reachable again; sending the charges of 2 counters made during the outage; " +
        "1 charges were dropped (more than 3 counters waiting)",
    );
    assert.deepEqual((await open.check([bucket("kept", 100, 0)])).used, [8]);
    assert.equal(await direct.get(`${prefix}third`), "1");
    assert.equal(await direct.exists(`${prefix}short`, `${prefix}dropped`), 0);

    while ((await closed.check([bucket("probe", 10, 0)]).catch(() => undefined)) === undefined) {
      assert.ok(Date.now() - restarted < 15_000, "the fail-closed store did not recover within 15 s");
      await sleep(100);
    }
    assert.deepEqual(closedLog.slice(1), ["aigw: redis reachable again"]);
    assert.deepEqual(printed, []);
  } finally {
    console.error = consoleError;
    direct.disconnect();
    await Promise.all([open.close(), closed.close()]);
    server.kill("SIGKILL");
  }
});

test("close() does not hang while Redis is down", async () => {
  const port = await freePort();
  const server = await startRedis(["--port", String(port)]);
  const store = new RedisCounterStore({ url: `redis://127.0.0.1:${port}` });
  await store.check([bucket("close", 10, 1)]);
  server.kill("SIGKILL");
  await once(server, "exit");
  store.charge([{ key: `${prefix}close`, amount: 1, windowEndMs: windowEnd() }]);
  const started = Date.now();
  await store.close();
  assert.ok(Date.now() - started < 1_000, `close() took ${Date.now() - started} ms`);
});

test("rediss:// speaks TLS and verifies the server's certificate", async () => {
  const port = await freePort();
  const tls = fileURLToPath(new URL("../../../test/fixtures/tls/", import.meta.url));
  await startRedis([
    "--port",
    "0",
    "--tls-port",
    String(port),
    "--tls-cert-file",
    `${tls}server.crt`,
    "--tls-key-file",
    `${tls}server.key`,
    "--tls-ca-cert-file",
    `${tls}ca.crt`,
    "--tls-auth-clients",
    "no",
  ]);
  const url = `rediss://127.0.0.1:${port}`;

  // This process does not trust the test CA: the handshake is refused, so TLS is really in use.
  const log: string[] = [];
  const untrusting = new RedisCounterStore({ url, log: (line) => log.push(line) });
  assert.equal((await untrusting.check([bucket("tls", 5, 1)])).degraded, true);
  await untrusting.close();
  assert.match(log[0] ?? "", /certificate/);

  // A process that trusts it (NODE_EXTRA_CA_CERTS, as an operator would set it) counts over TLS.
  const storeModule = new URL("../../src/limits/redis-counter-store.js", import.meta.url).href;
  const script = `
    import { RedisCounterStore } from ${JSON.stringify(storeModule)};
    const store = new RedisCounterStore({ url: process.argv[1], log: (line) => console.error(line) });
    const check = { key: process.argv[2], limit: 5, cost: 1, enforce: true, windowEndMs: Date.now() + 60000 };
    const result = await store.check([check]);
    await store.close();
    console.log(JSON.stringify(result));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "-e", script, url, `${prefix}tls`],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: `${tls}ca.crt` }, timeout: 10_000 },
  );
  assert.deepEqual(JSON.parse(stdout), { allowed: true, refusedIndex: -1, used: [1], degraded: false });
});

test("the checks of one event-loop turn go to Redis as one script call, each still checked in order", async () => {
  const port = await freePort();
  const server = await startRedis(["--port", String(port)]);
  const url = `redis://127.0.0.1:${port}`;
  const store = new RedisCounterStore({ url });
  const stats = new Redis(url);
  try {
    await store.check([bucket("warm", 1, 0)]);
    await stats.config("RESETSTAT");
    // 40 requests of one turn, 2 counters each; the shared one allows 25 (cost 1).
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.check([bucket("batch-shared", 25, 1), bucket(`batch-own-${i}`, 5, 1)]),
      ),
    );
    assert.equal(results.filter((r) => r.allowed).length, 25);
    assert.deepEqual(
      results.slice(0, 26).map((r) => r.used[0]),
      [...Array.from({ length: 25 }, (_, i) => i + 1), 25],
      "in order, as if one after another",
    );
    assert.deepEqual(results[30]!.used, [25, 0], "a refused request changes none of its counters");
    const evalsha = /cmdstat_evalsha:calls=(\d+)/.exec(await stats.info("commandstats"))?.[1];
    assert.equal(evalsha, "1", "one script call for the whole turn");
  } finally {
    await stats.quit();
    await store.close();
    server.kill("SIGKILL");
  }
});

test("a Redis that hangs (paused, the connection still open) costs one command timeout, then checks fail fast until it answers again", async () => {
  const port = await freePort();
  const server = await startRedis(["--port", String(port)]);
  const log: string[] = [];
  const store = new RedisCounterStore({
    url: `redis://127.0.0.1:${port}`,
    commandTimeoutMs: 200,
    log: (l) => log.push(l),
  });
  try {
    assert.equal((await store.check([bucket("hang", 10, 1)])).degraded, false);
    server.kill("SIGSTOP");
    const first = Date.now();
    assert.equal((await store.check([bucket("hang", 10, 1)])).degraded, true);
    assert.ok(Date.now() - first >= 150, "the first check waits for its timeout");
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      assert.equal((await store.check([bucket("hang", 10, 1)])).degraded, true);
      assert.ok(Date.now() - started < 100, `a check during the hang took ${Date.now() - started} ms`);
    }
    server.kill("SIGCONT");
    const deadline = Date.now() + 15_000;
    while ((await store.check([bucket("hang", 10, 1)])).degraded) {
      assert.ok(Date.now() < deadline, "checks work again within 15 s");
      await sleep(100);
    }
    assert.equal(log.filter((l) => l.includes("unreachable")).length, 1, log.join("\n"));
  } finally {
    server.kill("SIGCONT");
    await store.close();
    server.kill("SIGKILL");
  }
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server, killed when the tests end. */
async function startRedis(args: string[]): Promise<ChildProcess> {
  const server = await launchRedisServer(args);
  servers.add(server);
  server.once("exit", () => servers.delete(server));
  return server;
}

test("peek: the counters' values in the order asked (0 for a missing key), read-only, in batches past 1,000 keys", async () => {
  // Peeked at once: a peek made while the connection is being made waits for it.
  const store = sharedStore();
  const other = sharedStore();
  try {
    assert.deepEqual(await store.peek([`${prefix}peek-a`]), { values: [0], degraded: false });
    await store.check([bucket("peek-a", 100, 4)]);
    await other.check([bucket("peek-b", 100, 9)]);
    // Another replica's spending is what this one reads.
    assert.deepEqual(await store.peek([`${prefix}peek-b`, `${prefix}peek-a`, `${prefix}peek-none`]), {
      values: [9, 4, 0],
      degraded: false,
    });
    assert.equal(await inspect.exists(`${prefix}peek-none`), 0, "a peek creates no key");
    assert.deepEqual((await store.peek([`${prefix}peek-a`])).values, [4], "and adds nothing");

    const keys = Array.from({ length: 2_500 }, (_, i) => `${prefix}peek-many-${i}`);
    await inspect.set(keys[1_700]!, "17");
    await inspect.set(keys[2_499]!, "42");
    const many = await store.peek(keys);
    assert.equal(many.values.length, 2_500);
    assert.equal(many.values[1_700], 17);
    assert.equal(many.values[2_499], 42);
    assert.equal(
      many.values.reduce((a, b) => a + b, 0),
      59,
    );
    assert.deepEqual(await store.peek([]), { values: [], degraded: false });
  } finally {
    await Promise.all([store.close(), other.close()]);
  }
});

test("peek while Redis is down answers at once: degraded, every value 0", async () => {
  const port = await freePort();
  const server = await startRedis(["--port", String(port)]);
  const store = new RedisCounterStore({ url: `redis://127.0.0.1:${port}` });
  try {
    await store.check([bucket("peek-down", 10, 2)]);
    assert.deepEqual(await store.peek([`${prefix}peek-down`]), { values: [2], degraded: false });
    server.kill("SIGKILL");
    await once(server, "exit");
    const started = Date.now();
    assert.deepEqual(await store.peek([`${prefix}peek-down`, `${prefix}x`]), {
      values: [0, 0],
      degraded: true,
    });
    assert.ok(Date.now() - started < 1_000, `a peek took ${Date.now() - started} ms`);
  } finally {
    await store.close();
  }
});

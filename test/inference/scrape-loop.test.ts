import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { InferencePools } from "../../src/inference/inference-pools.js";
import { pool, settings, vllmPage } from "./pool-fixtures.js";

/** Polls `condition` every 10 ms for up to 5 s (a bound for a loaded machine, not a wait). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

async function listen(t: TestContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("the default scraper reads /metrics and /v1/models over HTTP, and close() stops it", async (t) => {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    if (req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          data: [
            { id: "base", parent: null },
            { id: "sql", parent: "base" },
          ],
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(vllmPage({ waiting: 3, kv: 0.5 }));
  });
  const address = await listen(t, server);
  const pools = new InferencePools({ log: () => undefined });
  pools.sync([pool("default/pool", [address], settings({ scrapeIntervalMs: 5 }))]);
  await eventually(() => pools.snapshot()[0]!.endpoints[0]!.adapters.length === 1, "both pages were read");
  const view = pools.snapshot()[0]!.endpoints[0]!;
  assert.deepEqual([view.waiting, view.kvCache, view.adapters, view.fresh], [3, 0.5, ["sql"], true]);
  assert.equal(paths[0], "/metrics");
  assert.equal(paths[1], "/v1/models");
  await eventually(() => paths.length >= 5, "the loop went on scraping");
  await pools.close();
  const after = paths.length;
  await sleep(50);
  assert.equal(paths.length, after, "no scrape after close()");
});

test("a server that never answers fails the scrape at the timeout, and the next round goes on", async (t) => {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    if (requests === 1) return; // hangs
    res.writeHead(200);
    res.end(vllmPage({ waiting: 1 }));
  });
  const address = await listen(t, server);
  const logs: string[] = [];
  const pools = new InferencePools({ log: (line) => logs.push(line) });
  t.after(() => pools.close());
  pools.sync([pool("default/pool", [address], settings({ scrapeIntervalMs: 5, scrapeTimeoutMs: 100 }))]);
  await eventually(() => pools.snapshot()[0]!.endpoints[0]!.waiting === 1, "a later scrape succeeded");
  assert.match(logs[0]!, /metrics scrape failed: .*(timeout|abort|no answer)/i);
  assert.match(logs[1]!, /metrics scrape works again/);
});

test("an injected scrape that never settles is cut off at the timeout too", async (t) => {
  let calls = 0;
  const pools = new InferencePools({
    log: () => undefined,
    scrape: (_address, path) => {
      if (path !== "/metrics") return Promise.reject(new Error("404"));
      calls += 1;
      return calls === 1 ? new Promise<string>(() => undefined) : Promise.resolve(vllmPage({ waiting: 9 }));
    },
  });
  t.after(() => pools.close());
  pools.sync([
    pool("default/pool", ["10.0.0.9:8000"], settings({ scrapeIntervalMs: 5, scrapeTimeoutMs: 50 })),
  ]);
  await eventually(() => pools.snapshot()[0]!.endpoints[0]!.waiting === 9, "the second scrape ran");
});

test("scrape loops never keep the process alive", () => {
  const module = fileURLToPath(new URL("../../src/inference/inference-pools.js", import.meta.url));
  const fixtures = fileURLToPath(new URL("./pool-fixtures.js", import.meta.url));
  const script = `
    const { InferencePools } = await import(${JSON.stringify(module)});
    const { pool, settings } = await import(${JSON.stringify(fixtures)});
    const pools = new InferencePools({ log: () => undefined });
    pools.sync([pool("default/pool", ["127.0.0.1:9", "10.255.255.1:8000"], settings({ scrapeIntervalMs: 5 }))]);
    setTimeout(() => console.log("done"), 100);
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), "done");
});

test("an injected scrape that throws instead of rejecting is a failed scrape, and the loop goes on", async (t) => {
  let calls = 0;
  const logs: string[] = [];
  const pools = new InferencePools({
    log: (line) => logs.push(line),
    scrape: (_address, path) => {
      if (path !== "/metrics") return Promise.reject(new Error("404"));
      calls += 1;
      if (calls === 1) throw new Error("boom");
      return Promise.resolve(vllmPage({ waiting: 4 }));
    },
  });
  t.after(() => pools.close());
  pools.sync([pool("default/pool", ["10.0.0.9:8000"], settings({ scrapeIntervalMs: 5 }))]);
  await eventually(() => pools.snapshot()[0]!.endpoints[0]!.waiting === 4, "the second scrape ran");
  assert.equal(logs[0], "inference pool default/pool endpoint 10.0.0.9:8000: metrics scrape failed: boom");
});

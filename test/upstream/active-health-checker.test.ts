import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { ActiveHealthChecker } from "../../src/upstream/active-health-checker.js";
import { BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import type { ActiveHealthCheck } from "../../src/upstream/traffic-policy.js";

const check: ActiveHealthCheck = {
  path: "/healthz",
  method: "GET",
  intervalMs: 20,
  timeoutMs: 100,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
  expectedStatuses: [200, 204],
};

/** Polls `condition` every 10 ms for up to 5 s (a bound for a loaded machine, not a wait). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

test("an HTTP active check takes a failing backend out and brings it back after healthyThreshold passes", async () => {
  let status = 204;
  let hang = false;
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url} ${req.headers.host}`);
    if (hang) return;
    res.writeHead(status);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const health = new BackendHealthRegistry();
  const checker = new ActiveHealthChecker(health);
  const backend = { key: "default/b", hostHeader: "backend.example", dispatcher: pool };
  try {
    checker.sync([{ backend, check }]);
    await eventually(() => paths.length >= 2, "two probes ran");
    assert.equal(health.get("default/b").activelyHealthy, true);
    assert.equal(paths[0], "GET /healthz backend.example");

    status = 503;
    await eventually(() => !health.get("default/b").activelyHealthy, "503s make it unhealthy");
    assert.equal(health.get("default/b").available(performance.now()), false);

    status = 200;
    await eventually(() => health.get("default/b").activelyHealthy, "200s make it healthy again");

    hang = true;
    await eventually(
      () => !health.get("default/b").activelyHealthy,
      "probes that time out count as failures",
    );

    checker.sync([]);
    assert.equal(
      health.get("default/b").activelyHealthy,
      true,
      "a removed check no longer holds the backend out",
    );
    // A probe sent just before the removal may still arrive (it times out after 100 ms): count after it.
    await sleep(check.timeoutMs + 20);
    const probes = paths.length;
    await sleep(80);
    assert.equal(paths.length, probes, "no probes after the check was removed");
  } finally {
    checker.stop();
    await pool.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

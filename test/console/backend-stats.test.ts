import assert from "node:assert/strict";
import { test } from "node:test";
import { BackendStats } from "../../src/console/backend-stats.js";
import type { AttemptRecord } from "../../src/gateway/request-record.js";
import { requestRecord } from "../support/request-record.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 2, 10);

const attempt = (backend: string, status: number, durationMs = 10, error?: string): AttemptRecord => ({
  backend,
  status,
  error,
  durationMs,
});

/** Stats on a clock the test moves. */
function clocked(): { stats: BackendStats; at: (ms: number) => void } {
  let now = T0;
  return { stats: new BackendStats(() => now), at: (ms) => (now = ms) };
}

test("attempts, failed attempts (transport error, timeout, 5xx, 429) and failovers per backend", () => {
  const { stats } = clocked();
  stats.observe(
    requestRecord({
      attempts: [
        attempt("default/a", 0, 5, "upstream_unreachable"),
        attempt("default/a", 503),
        attempt("default/b", 429),
        attempt("default/c", 200),
      ],
    }),
  );
  stats.observe(
    requestRecord({ attempts: [attempt("default/c", 400), attempt("default/c", 504, 1, "timeout")] }),
  );
  stats.observe(requestRecord({ attempts: [] }));
  const a = stats.window("default/a");
  // a's first attempt went on to a itself (a retry, no failover); its second went to b.
  assert.deepEqual([a.attempts, a.errors, a.failovers], [2, 2, 1]);
  const b = stats.window("default/b");
  assert.deepEqual([b.attempts, b.errors, b.failovers], [1, 1, 1]);
  const c = stats.window("default/c");
  assert.deepEqual([c.attempts, c.errors, c.failovers], [3, 1, 0], "a 400 is the client's failure");
  assert.deepEqual(stats.sinceStart("default/a"), { attempts: 2, errors: 2, failovers: 1 });
  assert.deepEqual(stats.sinceStart("default/none"), { attempts: 0, errors: 0, failovers: 0 });
  assert.equal(stats.window("default/none").latency.quantile(0.5), undefined);
});

test("latency is the attempts' duration; time to first token that of the stream's answering attempt, from its own start", () => {
  const { stats } = clocked();
  for (let i = 1; i <= 100; i++) {
    stats.observe(
      requestRecord({
        stream: true,
        // From the request's start: the failed attempt's second is not b's.
        timeToFirstByteMs: 1000 + 100 + i,
        attempts: [attempt("default/a", 500, 1000), attempt("default/b", 200, i)],
      }),
    );
  }
  // Not a stream: no time to first token.
  stats.observe(requestRecord({ attempts: [attempt("default/b", 200, 50)] }));
  const b = stats.window("default/b");
  assert.equal(b.latency.count, 101);
  assert.ok(Math.abs(b.latency.quantile(0.5)! - 50) / 50 < 0.05);
  assert.equal(b.ttft.count, 100);
  assert.ok(Math.abs(b.ttft.quantile(0.99)! - 199) / 199 < 0.05);
  const a = stats.window("default/a");
  assert.equal(a.ttft.count, 0, "the failed attempt did not answer the stream");
  assert.equal(a.latency.quantile(0.5), 1000);
});

test("the window is this minute and the four before; since-start counts stay", () => {
  const { stats, at } = clocked();
  const one = () => stats.observe(requestRecord({ attempts: [attempt("default/a", 500)] }));
  one();
  at(T0 + 2 * MINUTE + 5_000);
  one();
  one();
  assert.equal(stats.window("default/a").attempts, 3);
  at(T0 + 4 * MINUTE + 59_999);
  assert.equal(stats.window("default/a").attempts, 3);
  at(T0 + 5 * MINUTE);
  assert.equal(stats.window("default/a").attempts, 2, "minute 0 left the window");
  assert.equal(stats.window("default/a").errors, 2);
  // Minute 5 takes minute 0's slot.
  one();
  assert.equal(stats.window("default/a").attempts, 3);
  at(T0 + 20 * MINUTE);
  const idle = stats.window("default/a");
  assert.deepEqual([idle.attempts, idle.errors, idle.latency.count], [0, 0, 0]);
  assert.deepEqual(stats.sinceStart("default/a"), { attempts: 4, errors: 4, failovers: 0 });
});

test("retainOnly forgets backends a reload removed", () => {
  const { stats } = clocked();
  stats.observe(requestRecord({ attempts: [attempt("default/a", 200), attempt("default/b", 200)] }));
  stats.retainOnly(["default/b"]);
  assert.equal(stats.sinceStart("default/a").attempts, 0);
  assert.equal(stats.sinceStart("default/b").attempts, 1);
});

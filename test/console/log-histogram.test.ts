import assert from "node:assert/strict";
import { test } from "node:test";
import { LogHistogram, QUANTILE_RELATIVE_ERROR } from "../../src/console/log-histogram.js";

/** The nearest-rank quantile of sorted values: what the histogram approximates. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

function assertWithin(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: no value`);
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= QUANTILE_RELATIVE_ERROR + 1e-9, `${what}: ${actual} vs ${expected} (error ${error})`);
}

/** A deterministic stream in [0, 1) (a linear congruential generator), so failures reproduce. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

test("the error bound is under 5%", () => {
  assert.ok(QUANTILE_RELATIVE_ERROR < 0.05);
});

test("quantiles of a uniform and a log-normal distribution are within the documented error", () => {
  const random = seeded(7);
  const uniform = Array.from({ length: 10_000 }, () => 1 + random() * 999);
  // Log-normal around 200 ms with a long tail, as request latencies are.
  const logNormal = Array.from({ length: 10_000 }, () => {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return 200 * Math.exp(gaussian);
  });
  for (const [name, values] of [
    ["uniform", uniform],
    ["log-normal", logNormal],
  ] as const) {
    const h = new LogHistogram();
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999]) {
      assertWithin(h.quantile(q), exactQuantile(sorted, q), `${name} p${q * 100}`);
    }
    assert.equal(h.count, values.length);
  }
});

test("sub-millisecond overheads keep their precision; extremes are exact", () => {
  const h = new LogHistogram();
  for (const v of [0.05, 0.3, 0.31, 0.32, 2]) h.record(v);
  assertWithin(h.quantile(0.5), 0.31, "p50");
  assert.equal(h.quantile(0), 0.05, "never below the smallest value");
  assert.equal(h.quantile(1), 2, "never above the largest value");
});

test("empty: no quantile; bad values neither throw nor count as large", () => {
  const h = new LogHistogram();
  assert.equal(h.quantile(0.5), undefined);
  h.record(Number.NaN);
  assert.equal(h.count, 0);
  h.record(-3);
  h.record(0.001);
  h.record(3_600_000);
  assert.equal(h.count, 3);
  assert.equal(h.quantile(0.5), 0, "negative counts as 0, below 10 µs stays near 0");
  assert.equal(h.quantile(1), 3_600_000, "beyond 10 min is held in the last bucket, its maximum exact");
});

test("merge adds counts: the merged quantiles are those of all values", () => {
  const low = new LogHistogram();
  const high = new LogHistogram();
  for (let i = 1; i <= 100; i++) low.record(i);
  for (let i = 101; i <= 200; i++) high.record(i);
  const all = new LogHistogram();
  all.merge(low);
  all.merge(high);
  all.merge(new LogHistogram());
  assert.equal(all.count, 200);
  assertWithin(all.quantile(0.5), 100, "p50");
  assertWithin(all.quantile(0.99), 198, "p99");
  assert.equal(all.quantile(1), 200);
  all.clear();
  assert.equal(all.count, 0);
  assert.equal(all.quantile(0.5), undefined);
});

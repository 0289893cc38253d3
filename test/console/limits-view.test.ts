import assert from "node:assert/strict";
import { test } from "node:test";
import { LimitsView } from "../../src/console/limits-view.js";
import type { LimitRecord } from "../../src/gateway/request-record.js";
import { type Reading, recordWith } from "../support/limit-records.js";
import { requestRecord } from "../support/request-record.js";

const RULE = "BackendTrafficPolicy default/p rateLimit.global.rules[0]";
const PREFIX = "aigw:rl:default/p:global:0:";
const END = 60_000;

function reading(bucket: string, used: number, more: Partial<Reading> = {}): Reading {
  return { rule: RULE, key: `${PREFIX}default/r:${bucket}:0`, bucket, used, windowEndMs: END, ...more };
}

function viewAt(clock: { now: number }, maxKeysPerRule?: number): LimitsView {
  return new LimitsView({ now: () => clock.now, maxKeysPerRule, sweepIntervalMs: 10_000 });
}

test("observe remembers each bucket once with its route, key and highest reading; seen() picks a rule's by key prefix", () => {
  const view = viewAt({ now: 0 });
  view.observe(recordWith("default/r", [reading("a", 5), reading("b", 1)]));
  view.observe(recordWith("default/r", [reading("a", 9)]));
  // Records of concurrent requests finish out of order: an older, lower reading changes nothing.
  view.observe(recordWith("default/r", [reading("a", 7)]));
  const seen = view.seen(RULE, PREFIX, 0);
  assert.deepEqual(
    seen.map((b) => [b.bucket, b.used, b.route, b.key, b.windowEndMs]),
    [
      ["b", 1, "default/r", `${PREFIX}default/r:b:0`, END],
      ["a", 9, "default/r", `${PREFIX}default/r:a:0`, END],
    ],
  );
  assert.equal(view.size, 2);
  assert.deepEqual(view.seen(RULE, "aigw:quota:", 0), [], "another rule with the same id: another prefix");
  assert.deepEqual(view.seen("no such rule", PREFIX, 0), []);
});

test("what observe skips: records without limits, limits without a counter key, windows already over; an unread store's 0 is no reading", () => {
  const clock = { now: 30_000 };
  const view = viewAt(clock);
  view.observe(requestRecord());
  const copied: LimitRecord = { ...recordWith("default/r", [reading("copy", 1)]).limits![0]! };
  view.observe(requestRecord({ limits: [copied] }));
  view.observe(recordWith("default/r", [reading("over", 3, { windowEndMs: 30_000 })]));
  assert.equal(view.size, 0);
  view.observe(recordWith("default/r", [reading("unread", 8, { outcome: "unknown" })]));
  assert.deepEqual(
    view.seen(RULE, PREFIX, clock.now).map((b) => [b.bucket, b.used]),
    [["unread", 0]],
  );
});

test("a bucket is forgotten when its window ends: seen() leaves it out at once, the sweep frees it", () => {
  const clock = { now: 0 };
  const view = viewAt(clock);
  view.observe(recordWith("default/r", [reading("old", 4, { windowEndMs: 20_000 })]));
  view.observe(recordWith("default/r", [reading("new", 2, { windowEndMs: 80_000 })]));
  assert.equal(view.seen(RULE, PREFIX, 19_999).length, 2);
  assert.deepEqual(
    view.seen(RULE, PREFIX, 20_000).map((b) => b.bucket),
    ["new"],
  );
  assert.equal(view.size, 2, "held until a sweep");
  clock.now = 20_000;
  view.observe(requestRecord({ limits: [] }));
  assert.equal(view.size, 1, "the sweep (due every 10 s here) forgot the ended window");
  clock.now = 80_000;
  view.observe(requestRecord({ limits: [] }));
  assert.equal(view.size, 0);
});

test("the cap per rule: the least recently seen bucket goes first, ended windows before it", () => {
  const clock = { now: 0 };
  const view = viewAt(clock, 3);
  view.observe(recordWith("default/r", [reading("a", 1), reading("b", 1), reading("c", 1)]));
  // a is seen again: b is now the least recently seen.
  view.observe(recordWith("default/r", [reading("a", 2)]));
  view.observe(recordWith("default/r", [reading("d", 1)]));
  assert.deepEqual(
    view.seen(RULE, PREFIX, 0).map((b) => b.bucket),
    ["c", "a", "d"],
  );
  // Another rule has a cap of its own.
  const other = "BackendTrafficPolicy default/p rateLimit.global.rules[1]";
  view.observe(recordWith("default/r", [reading("x", 1, { rule: other })]));
  assert.equal(view.size, 4);

  // c's window ends; room for e is made from the front, so c (ended) goes and a stays.
  const ending = viewAt(clock, 2);
  ending.observe(recordWith("default/r", [reading("c", 1, { windowEndMs: 10 }), reading("a", 1)]));
  clock.now = 10;
  ending.observe(recordWith("default/r", [reading("e", 1)]));
  assert.deepEqual(
    ending.seen(RULE, PREFIX, 10).map((b) => b.bucket),
    ["a", "e"],
  );
  assert.equal(ending.size, 2);
});

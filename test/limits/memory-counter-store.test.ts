import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { BucketCheck } from "../../src/limits/counter-store.js";
import { MemoryCounterStore } from "../../src/limits/memory-counter-store.js";

const WINDOW_END = 60_000;

function bucket(key: string, limit: number, cost: number, enforce = true): BucketCheck {
  return { key, limit, cost, enforce, windowEndMs: WINDOW_END };
}

/** A store on a clock the test moves (starting at 0, inside the window ending at WINDOW_END). */
function storeAt(clock: { now: number }, sweepIntervalMs?: number): MemoryCounterStore {
  return new MemoryCounterStore({ now: () => clock.now, sweepIntervalMs });
}

test("with a cost, a request is admitted while the cost fits and refused when it would overshoot", async () => {
  const store = storeAt({ now: 0 });
  try {
    const first = store.check([bucket("k", 3, 2)]);
    assert.ok(!(first instanceof Promise), "the in-process check answers synchronously");
    assert.deepEqual(first, { allowed: true, refusedIndex: -1, used: [2], degraded: false });
    assert.deepEqual(store.check([bucket("k", 3, 2)]), {
      allowed: false,
      refusedIndex: 0,
      used: [2],
      degraded: false,
    });
    // Exactly at the limit still fits.
    assert.deepEqual(store.check([bucket("k", 3, 1)]).used, [3]);
    assert.equal(store.check([bucket("k", 3, 1)]).allowed, false);
  } finally {
    await store.close();
  }
});

test("without a cost, a request is admitted until the bucket is spent (used >= limit)", async () => {
  const store = storeAt({ now: 0 });
  try {
    assert.deepEqual(store.check([bucket("tokens", 100, 0)]), {
      allowed: true,
      refusedIndex: -1,
      used: [0],
      degraded: false,
    });
    store.charge([{ key: "tokens", amount: 99, windowEndMs: WINDOW_END }]);
    assert.deepEqual(store.check([bucket("tokens", 100, 0)]).used, [99]);
    assert.equal(store.check([bucket("tokens", 100, 0)]).allowed, true);
    store.charge([{ key: "tokens", amount: 1, windowEndMs: WINDOW_END }]);
    const spent = store.check([bucket("tokens", 100, 0)]);
    assert.equal(spent.allowed, false);
    assert.deepEqual(spent.used, [100]);
  } finally {
    await store.close();
  }
});

test("a shadow bucket (enforce=false) is counted but never refuses", async () => {
  const store = storeAt({ now: 0 });
  try {
    for (let i = 1; i <= 3; i++) {
      const result = store.check([bucket("shadow", 1, 1, false)]);
      assert.equal(result.allowed, true);
      assert.deepEqual(result.used, [i]);
    }
  } finally {
    await store.close();
  }
});

test("a refusal charges none of the request's buckets and names the first enforced bucket that refused", async () => {
  const store = storeAt({ now: 0 });
  try {
    store.charge([
      { key: "spent-a", amount: 5, windowEndMs: WINDOW_END },
      { key: "spent-b", amount: 5, windowEndMs: WINDOW_END },
    ]);
    const buckets = [
      bucket("room", 10, 1),
      bucket("spent-shadow", 0, 1, false),
      bucket("spent-a", 5, 1),
      bucket("spent-b", 5, 0),
    ];
    assert.deepEqual(store.check(buckets), {
      allowed: false,
      refusedIndex: 2,
      used: [0, 0, 5, 5],
      degraded: false,
    });
    // Nothing moved: the bucket with room and the shadow bucket are still empty.
    assert.deepEqual(store.check([bucket("room", 10, 0), bucket("spent-shadow", 1, 0, false)]).used, [0, 0]);
  } finally {
    await store.close();
  }
});

test("many checks against one key admit exactly `limit` requests of cost 1", async () => {
  const store = storeAt({ now: 0 });
  try {
    let admitted = 0;
    for (let i = 0; i < 1_000; i++) if (store.check([bucket("busy", 100, 1)]).allowed) admitted++;
    assert.equal(admitted, 100);
    assert.deepEqual(store.check([bucket("busy", 100, 0)]).used, [100]);
  } finally {
    await store.close();
  }
});

test("a counter is forgotten when its window ends, and charges to a window that is over are skipped", async () => {
  const clock = { now: 0 };
  const store = storeAt(clock);
  try {
    store.check([bucket("w", 10, 4)]);
    store.charge([{ key: "w", amount: 3, windowEndMs: WINDOW_END }]);
    clock.now = WINDOW_END - 1;
    assert.deepEqual(store.check([bucket("w", 10, 0)]).used, [7]);
    clock.now = WINDOW_END;
    assert.deepEqual(store.check([bucket("w", 10, 0)]).used, [0]);
    assert.equal(store.size, 0, "the expired counter was dropped when read");
    store.charge([
      { key: "w", amount: 3, windowEndMs: WINDOW_END },
      { key: "zero", amount: 0, windowEndMs: WINDOW_END * 2 },
    ]);
    assert.equal(store.size, 0);
  } finally {
    await store.close();
  }
});

test("the sweep forgets counters nobody reads again; close() stops it", async () => {
  const clock = { now: 0 };
  const store = storeAt(clock, 5);
  try {
    for (let i = 0; i < 1_000; i++) store.check([bucket(`client-${i}`, 10, 1)]);
    store.charge([{ key: "next-window", amount: 1, windowEndMs: WINDOW_END * 2 }]);
    assert.equal(store.size, 1_001);
    clock.now = WINDOW_END;
    for (let i = 0; i < 100 && store.size > 1; i++) await sleep(5);
    assert.equal(store.size, 1, "only the counter whose window still runs is left");
    assert.deepEqual(
      store.check([{ ...bucket("next-window", 10, 0), windowEndMs: WINDOW_END * 2 }]).used,
      [1],
    );

    await store.close();
    store.check([{ ...bucket("after-close", 10, 1), windowEndMs: WINDOW_END * 2 }]);
    clock.now = WINDOW_END * 2;
    await sleep(30);
    assert.equal(store.size, 2, "no sweep ran after close()");
  } finally {
    await store.close();
  }
});

test("peek reads counters without changing them: unknown and ended ones are 0, and stay held until swept", async () => {
  const clock = { now: 0 };
  const store = storeAt(clock);
  try {
    store.check([bucket("a", 10, 3)]);
    store.charge([{ key: "b", amount: 7, windowEndMs: WINDOW_END }]);
    const peeked = store.peek(["b", "a", "never"]);
    assert.ok(!(peeked instanceof Promise), "the in-process peek answers synchronously");
    assert.deepEqual(peeked, { values: [7, 3, 0], degraded: false });
    assert.deepEqual(store.peek(["a"]).values, [3], "peeking again: nothing was added");
    assert.equal(store.size, 2, "an unknown key is not created by a peek");
    clock.now = WINDOW_END;
    assert.deepEqual(store.peek(["a", "b"]).values, [0, 0], "the window is over");
    assert.equal(store.size, 2, "a peek forgets nothing (the sweep or the next check does)");
  } finally {
    await store.close();
  }
});

import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveSimulatorOptions, type SimulatorOptions } from "../../src/sim/simulator-options.js";
import { createReplica } from "../../src/sim/start-simulator.js";
import { fakeSequence } from "./fake-sequence.js";

/** A replica on a clock the test moves by hand. */
function replicaAt(options: SimulatorOptions) {
  const clock = { now: 1000 };
  const replica = createReplica(resolveSimulatorOptions(options), () => clock.now);
  return { clock, ...replica };
}

const SYSTEM = "You are a helpful assistant. ".repeat(20); // 580 bytes: 9 full blocks

describe("replica scheduler and latency model", () => {
  it("a repeated prefix costs less prefill than a new one", () => {
    const { scheduler, latency } = replicaAt({ prefillOverheadMs: 5, prefillMsPerToken: 1 });
    const first = fakeSequence(`${SYSTEM}first question`);
    scheduler.submit(first);
    scheduler.finish(first);
    const again = fakeSequence(`${SYSTEM}second question`);
    const fresh = fakeSequence(`${"Another system prompt. ".repeat(25)}first question`);
    scheduler.submit(again);
    scheduler.submit(fresh);
    assert.equal(again.started?.cachedTokens, 9 * 16);
    assert.equal(fresh.started?.cachedTokens, 0);
    const missed = (s: typeof again) => s.demand.promptTokens - s.started!.cachedTokens;
    assert.equal(latency.prefillMs(missed(again), 1), 5 + missed(again));
    assert.ok(latency.prefillMs(missed(again), 1) < latency.prefillMs(missed(fresh), 1) - 100);
    assert.equal(scheduler.prefixHitTokens, 144);
    assert.equal(
      scheduler.prefixQueryTokens,
      first.demand.promptTokens + again.demand.promptTokens + fresh.demand.promptTokens,
    );
  });

  it("runs at most max-num-seqs, queues the rest FIFO and refuses beyond max-waiting", () => {
    const { scheduler } = replicaAt({ maxNumSeqs: 1, maxWaiting: 2 });
    const [a, b, c, d] = ["a", "b", "c", "d"].map((p) => fakeSequence(p));
    assert.ok(scheduler.submit(a!) && scheduler.submit(b!) && scheduler.submit(c!));
    assert.equal(scheduler.submit(d!), false);
    assert.deepEqual([scheduler.running, scheduler.waiting], [1, 2]);
    assert.ok(a!.started && !b!.started);
    scheduler.finish(a!);
    assert.ok(b!.started && !c!.started);
  });

  it("a request whose blocks do not fit waits, even with a free slot, until blocks are released", () => {
    const { scheduler } = replicaAt({ kvCacheBlocks: 10 });
    const big = fakeSequence("x".repeat(64 * 6), 16); // 6 prompt blocks + 1 for the output
    const next = fakeSequence("y".repeat(64 * 4), 16); // 5 blocks: 7 + 5 > 10
    const small = fakeSequence("z", 1);
    scheduler.submit(big);
    scheduler.submit(next);
    scheduler.submit(small);
    assert.ok(big.started);
    assert.equal(next.started, undefined);
    assert.equal(small.started, undefined, "FIFO: no overtaking the head on memory");
    assert.deepEqual([scheduler.running, scheduler.waiting, scheduler.kv.inUse], [1, 2, 7]);
    scheduler.finish(big);
    assert.ok(next.started && small.started);
  });

  it("a waiting request that is cancelled leaves the queue", () => {
    const { scheduler } = replicaAt({ maxNumSeqs: 1 });
    const [a, b, c] = ["a", "b", "c"].map((p) => fakeSequence(p));
    scheduler.submit(a!);
    scheduler.submit(b!);
    scheduler.submit(c!);
    scheduler.cancel(b!);
    scheduler.finish(a!);
    assert.equal(b!.started, undefined);
    assert.ok(c!.started);
  });

  it("slows prefill and decode linearly with the running sequences", () => {
    const { latency } = replicaAt({ itlMs: 10, ttftMs: 100, maxNumSeqs: 5, timeFactorUnderLoad: 3 });
    assert.equal(latency.interTokenMs(1), 10);
    assert.equal(latency.interTokenMs(3), 20);
    assert.equal(latency.interTokenMs(5), 30);
    assert.equal(latency.prefillMs(0, 5), 300);
  });

  it("jitters reproducibly per seed, within +-70 % of the mean", () => {
    const samples = (seed: number) => {
      const { latency } = replicaAt({ itlMs: 10, jitter: 0.3, seed });
      return Array.from({ length: 200 }, () => latency.interTokenMs(1));
    };
    const first = samples(7);
    assert.deepEqual(samples(7), first);
    assert.notDeepEqual(samples(8), first);
    assert.ok(first.every((ms) => ms >= 3 && ms <= 17));
    const mean = first.reduce((sum, ms) => sum + ms, 0) / first.length;
    assert.ok(Math.abs(mean - 10) < 1, `mean ${mean}`);
    assert.ok(new Set(first).size > 100, "samples vary");
  });
});

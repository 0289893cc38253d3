import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveSimulatorOptions } from "../../src/sim/simulator-options.js";
import { createReplica } from "../../src/sim/start-simulator.js";
import { fakeSequence } from "./fake-sequence.js";

function loraReplica(maxLoras: number) {
  const clock = { now: 1000 };
  const config = resolveSimulatorOptions({ loraModules: ["a", "b", "c"], maxLoras, loraLoadMs: 50 });
  return { clock, ...createReplica(config, () => clock.now) };
}

function loraInfo(metrics: string): string | undefined {
  return metrics.split("\n").find((line) => line.startsWith("vllm:lora_requests_info{"));
}

describe("LoRA slots", () => {
  it("the first request for an adapter pays the load; later ones do not", () => {
    const { clock, scheduler } = loraReplica(1);
    const first = fakeSequence("one", 1, "a");
    const second = fakeSequence("two", 1, "a");
    scheduler.submit(first);
    clock.now = 1020;
    scheduler.submit(second);
    assert.equal(first.started?.adapterReadyAt, 1050);
    assert.equal(second.started?.adapterReadyAt, 1050, "waits for the same load, not a new one");
    scheduler.finish(first);
    scheduler.finish(second);
    clock.now = 2000;
    const third = fakeSequence("three", 1, "a");
    scheduler.submit(third);
    assert.equal(third.started?.adapterReadyAt, 2000);
    const base = fakeSequence("base", 1);
    scheduler.submit(base);
    assert.equal(base.started?.adapterReadyAt, 2000, "base-model requests need no adapter");
  });

  it("a request for another adapter waits while every slot is busy, and others overtake it", () => {
    const { scheduler } = loraReplica(1);
    const onA = fakeSequence("1", 1, "a");
    const onB = fakeSequence("2", 1, "b");
    const alsoA = fakeSequence("3", 1, "a");
    scheduler.submit(onA);
    scheduler.submit(onB);
    scheduler.submit(alsoA);
    assert.ok(onA.started && alsoA.started);
    assert.equal(onB.started, undefined);
    scheduler.finish(onA);
    assert.equal(onB.started, undefined, "a is still in use");
    scheduler.finish(alsoA);
    assert.ok(onB.started, "a became idle and was unloaded for b");
    assert.deepEqual(scheduler.lora?.loadedAdapters(), ["b"]);
  });

  it("unloads the least recently used idle adapter", () => {
    const { scheduler } = loraReplica(2);
    for (const adapter of ["a", "b", "a"]) {
      const sequence = fakeSequence(adapter, 1, adapter);
      scheduler.submit(sequence);
      scheduler.finish(sequence);
    }
    scheduler.submit(fakeSequence("c", 1, "c"));
    assert.deepEqual(scheduler.lora?.loadedAdapters(), ["a", "c"]);
  });

  it("publishes running and waiting adapters with the time they last changed", () => {
    const { clock, scheduler, metrics } = loraReplica(2);
    assert.match(
      loraInfo(metrics.render()) ?? "",
      /running_lora_adapters="",waiting_lora_adapters="",max_lora="2"/,
    );
    const before = Number(loraInfo(metrics.render())?.split(" ")[1]);
    clock.now = 3000;
    scheduler.submit(fakeSequence("1", 1, "a"));
    scheduler.submit(fakeSequence("2", 1, "b"));
    scheduler.submit(fakeSequence("3", 1, "c"));
    const line = loraInfo(metrics.render()) ?? "";
    assert.match(line, /running_lora_adapters="a,b",waiting_lora_adapters="c",max_lora="2"/);
    assert.equal(Number(line.split(" ")[1]) - before, 2, "seconds between the two changes");
  });

  it("is absent from /metrics when no adapters are served", () => {
    const replica = createReplica(resolveSimulatorOptions({}), () => 0);
    assert.equal(loraInfo(replica.metrics.render()), undefined);
  });
});

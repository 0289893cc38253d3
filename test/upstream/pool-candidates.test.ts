import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompiledBackendRef, CompiledRule } from "../../src/config/snapshot.js";
import type { InferenceRecord } from "../../src/gateway/request-record.js";
import type { CompiledPool, PoolEndpoint } from "../../src/inference/compiled-pool.js";
import type { EndpointPicker, PickInput, PickOutcome } from "../../src/inference/endpoint-picker.js";
import { DEFAULT_PICKER_SETTINGS } from "../../src/inference/picker-settings.js";
import { BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import { PoolCandidates } from "../../src/upstream/pool-candidates.js";
import { DEFAULT_TRAFFIC_POLICY } from "../../src/upstream/traffic-policy.js";

function endpoint(address: string): PoolEndpoint {
  return {
    address,
    pod: `default/pod-${address}`,
    engine: "vllm",
    backend: { key: `default/pool@${address}` },
  } as unknown as PoolEndpoint;
}

function pool(addresses: string[]): CompiledPool {
  return {
    key: "default/pool",
    endpoints: addresses.map(endpoint),
    targetPorts: [8000],
    appProtocol: "http",
    failureMode: "FailClose",
    endpointPicker: undefined,
    objectives: new Map(),
    rewrites: [],
    picker: DEFAULT_PICKER_SETTINGS,
  };
}

/** Picks the first endpoint in pool order that is not excluded; records what it was asked. */
class FirstFreePicker implements EndpointPicker {
  readonly asked: PickInput[] = [];
  readonly load = new Map<string, number>();
  constructor(private readonly refuse?: PickOutcome) {}
  pick(p: CompiledPool, input: PickInput): PickOutcome {
    // The set is the request's live one: keep what it held at this pick.
    this.asked.push({ ...input, exclude: new Set(input.exclude) });
    if (this.refuse) return this.refuse;
    const left = p.endpoints.filter((x) => !input.exclude?.has(x.address));
    const usable = left.filter((x) => input.available?.(x) ?? true);
    const e = (usable.length > 0 ? usable : left)[0];
    if (!e) return { kind: "none", message: "every endpoint was tried" };
    return {
      kind: "picked",
      endpoint: e,
      headers: { "x-gateway-destination-endpoint": e.address },
      reason: "scored",
      scores: [{ address: e.address, total: 1, queue: 1, kvCache: 0, prefix: 0, lora: 0 }],
    };
  }
  sent(_p: CompiledPool, address: string): number {
    this.load.set(address, (this.load.get(address) ?? 0) + 1);
    return 7;
  }
  readonly finishedWith: (number | undefined)[] = [];
  finished(_p: CompiledPool, address: string, sentAt?: number): void {
    this.finishedWith.push(sentAt);
    this.load.set(address, (this.load.get(address) ?? 0) - 1);
  }
}

function rule(p: CompiledPool, fallback: string[] = []): CompiledRule {
  const tiers = fallback.map((key) => [
    { backend: { key }, weight: 1, priority: 0 } as unknown as CompiledBackendRef,
  ]);
  return { name: "r", matches: [], tiers, pool: p } as unknown as CompiledRule;
}

function candidates(
  p: CompiledPool,
  picker: EndpointPicker,
  health = new BackendHealthRegistry(),
  fallback: string[] = [],
) {
  const record: InferenceRecord = { pool: p.key, priority: 0 };
  const c = new PoolCandidates(
    p,
    rule(p, fallback),
    DEFAULT_TRAFFIC_POLICY,
    health,
    picker,
    { model: "base", objective: undefined, priority: 0 },
    Buffer.from("[]"),
    record,
  );
  return { c, record };
}

test("each attempt asks the picker again without the endpoints already tried, up to maxAttempts", () => {
  const p = pool(["127.0.0.2:8000", "127.0.0.3:8000", "127.0.0.4:8000", "127.0.0.5:8000"]);
  const picker = new FirstFreePicker();
  const { c, record } = candidates(p, picker);
  const keys = [c.next(), c.next(), c.next(), c.next()].map((r) => r?.backend.key);
  assert.deepEqual(keys, [
    "default/pool@127.0.0.2:8000",
    "default/pool@127.0.0.3:8000",
    "default/pool@127.0.0.4:8000",
    undefined,
  ]);
  assert.equal(c.reason, "exhausted");
  assert.deepEqual([...picker.asked[2]!.exclude!], ["127.0.0.2:8000", "127.0.0.3:8000"]);
  assert.equal(record.endpoint, "127.0.0.4:8000");
  assert.equal(record.reason, "scored");
});

test("ejected endpoints are left out, unless every untried endpoint is ejected", () => {
  const p = pool(["127.0.0.2:8000", "127.0.0.3:8000"]);
  const health = new BackendHealthRegistry();
  health.get("default/pool@127.0.0.2:8000").activelyHealthy = false;
  const picker = new FirstFreePicker();
  const { c } = candidates(p, picker, health);
  assert.equal(c.next()?.backend.key, "default/pool@127.0.0.3:8000");
  // Only the ejected one is left: it is asked for anyway.
  assert.equal(c.next()?.backend.key, "default/pool@127.0.0.2:8000");
});

test("a shed request or an empty pool refuses with the picker's message, or goes to the fallback", () => {
  const p = pool(["127.0.0.2:8000"]);
  const shed: PickOutcome = { kind: "shed", message: "pool default/pool is saturated" };
  const refused = candidates(p, new FirstFreePicker(shed));
  assert.equal(refused.c.next(), undefined);
  assert.equal(refused.c.reason, "shed");
  assert.equal(refused.c.message, "pool default/pool is saturated");
  assert.equal(refused.record.refused, "shed");

  const empty = candidates(pool([]), new FirstFreePicker({ kind: "none", message: "no ready endpoint" }));
  assert.equal(empty.c.next(), undefined);
  assert.equal(empty.c.reason, "no_endpoint");

  const withFallback = candidates(p, new FirstFreePicker(shed), new BackendHealthRegistry(), [
    "default/openai",
  ]);
  assert.equal(withFallback.c.next()?.backend.key, "default/openai");
  assert.equal(withFallback.record.fallback, true);
  assert.equal(withFallback.record.refused, "shed");
});

test("the picker hears of every attempt sent to an endpoint and of its end", () => {
  const p = pool(["127.0.0.2:8000"]);
  const picker = new FirstFreePicker();
  const { c } = candidates(p, picker, new BackendHealthRegistry(), ["default/openai"]);
  const first = c.next()!;
  c.sent(first);
  assert.equal(picker.load.get("127.0.0.2:8000"), 1);
  c.finished(first);
  assert.equal(picker.load.get("127.0.0.2:8000"), 0);
  assert.deepEqual(picker.finishedWith, [7], "finished() is told what sent() returned");
  // After the pool's only endpoint, the fallback; its attempts are not the picker's business.
  const second = c.next()!;
  assert.equal(second.backend.key, "default/openai");
  c.sent(second);
  assert.equal(picker.load.size, 1);
});

test("the request's model (after a rewrite) is what every pool attempt sends", () => {
  const p = pool(["127.0.0.2:8000"]);
  const { c } = candidates(p, new FirstFreePicker());
  assert.equal(c.next()?.modelNameOverride, "base");
});

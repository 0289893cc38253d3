import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { PickInput, PickOutcome } from "../../src/inference/endpoint-picker.js";
import { InferencePools } from "../../src/inference/inference-pools.js";
import {
  pool,
  ScriptedScrapes,
  type SettingsPatch,
  scriptedRandom,
  settings,
  vllmPage,
} from "./pool-fixtures.js";

const A = "10.0.0.1:8000";
const B = "10.0.0.2:8000";
const C = "10.0.0.3:8000";
const D = "10.0.0.4:8000";

function setup(
  t: TestContext,
  addresses: string[],
  patch: SettingsPatch = {},
  random = scriptedRandom(0.99),
) {
  const clock = { now: 0 };
  const scrapes = new ScriptedScrapes();
  const logs: string[] = [];
  const pools = new InferencePools({
    now: () => clock.now,
    random,
    scrape: scrapes.scrape,
    log: (line) => logs.push(line),
  });
  t.after(() => pools.close());
  const p = pool("default/pool", addresses, settings(patch));
  pools.sync([p]);
  const pick = (input: Partial<PickInput> = {}): PickOutcome =>
    pools.pick(p, { model: "base", prompt: undefined, priority: 0, ...input });
  return { clock, scrapes, logs, pools, p, pick };
}

function picked(outcome: PickOutcome): Extract<PickOutcome, { kind: "picked" }> {
  assert.equal(outcome.kind, "picked", JSON.stringify(outcome));
  return outcome as Extract<PickOutcome, { kind: "picked" }>;
}

test("before any scrape every endpoint is stale: fewest in flight wins, and nothing is shed", async (t) => {
  const { pools, p, pick } = setup(t, [A, B]);
  pools.sent(p, A);
  const out = picked(pick({ priority: -1 }));
  assert.equal(out.endpoint.address, B);
  assert.equal(out.reason, "stale");
  assert.deepEqual(out.headers, { "x-gateway-destination-endpoint": B });
  assert.deepEqual(
    out.scores.map((s) => [s.address, s.total]),
    [
      [B, 1],
      [A, 0],
    ],
  );
});

test("queue scorer: the shorter waiting queue wins, scores are reported best first", async (t) => {
  const { scrapes, pick } = setup(t, [A, B, C]);
  await scrapes.answerAll({
    [A]: vllmPage({ waiting: 4 }),
    [B]: vllmPage({ waiting: 0 }),
    [C]: vllmPage({ waiting: 2 }),
  });
  const out = picked(pick());
  assert.equal(out.reason, "scored");
  assert.equal(out.endpoint.address, B);
  assert.deepEqual(
    out.scores.map((s) => [s.address, s.queue]),
    [
      [B, 1],
      [C, 0.5],
      [A, 0],
    ],
  );
  // queue 2 x 1 + KV 2 x (1 - 0) + prefix 3 x 0 + LoRA 1 x 1 (a base model).
  assert.equal(out.scores[0]!.total, 5);
});

test("KV-cache scorer: with equal queues the emptier cache wins", async (t) => {
  const { scrapes, pick } = setup(t, [A, B]);
  await scrapes.answerAll({ [A]: vllmPage({ kv: 0.7 }), [B]: vllmPage({ kv: 0.2 }) });
  const out = picked(pick());
  assert.equal(out.endpoint.address, B);
  assert.ok(Math.abs(out.scores[0]!.kvCache - 0.8) < 1e-12);
  assert.ok(Math.abs(out.scores[1]!.kvCache - 0.3) < 1e-12);
});

test("ties are broken by the injected random: each tied endpoint can win", async (t) => {
  for (const [value, winner] of [
    [0.99, A],
    [0, B],
  ] as const) {
    const { scrapes, pick } = setup(t, [A, B], {}, scriptedRandom(value));
    await scrapes.answerAll({ [A]: vllmPage({}), [B]: vllmPage({}) });
    const out = picked(pick());
    assert.equal(out.endpoint.address, winner);
    assert.equal(out.scores[0]!.address, winner, "the pick comes first in the scores");
    assert.equal(out.scores[0]!.total, out.scores[1]!.total);
  }
});

test("prefix affinity: requests sharing a prompt prefix stick to the endpoint that got the first", async (t) => {
  const { scrapes, pick } = setup(t, [A, B, C, D], {}, scriptedRandom(0.99, 0, 0.99, 0, 0, 0, 0, 0, 0));
  await scrapes.answerAll({ [A]: vllmPage({}), [B]: vllmPage({}), [C]: vllmPage({}), [D]: vllmPage({}) });
  const system = "You are a careful assistant who answers in one line. ".repeat(60);
  const first = picked(pick({ prompt: Buffer.from(`${system}Question one?`) }));
  assert.equal(first.scores[0]!.prefix, 0);
  for (const question of ["Question two?", "A third, longer question than the others?"]) {
    const next = picked(pick({ prompt: Buffer.from(`${system}${question}`) }));
    assert.equal(next.endpoint.address, first.endpoint.address);
    assert.ok(next.scores[0]!.prefix > 0.9, String(next.scores[0]!.prefix));
    assert.equal(next.scores[1]!.prefix, 0);
  }
  // Another model's identical prompt hashes differently: no affinity.
  const other = picked(pick({ model: "other", prompt: Buffer.from(`${system}Question one?`) }));
  assert.equal(other.scores.find((s) => s.address === first.endpoint.address)!.prefix, 0);
});

test("the prefix index of an endpoint is bounded by lruCapacityPerServer", async (t) => {
  const { scrapes, pools, pick } = setup(t, [A], { prefix: { lruCapacityPerServer: 10, autoTune: false } });
  await scrapes.answer(A, vllmPage({ numGpuBlocks: 4 }));
  for (let i = 0; i < 5; i++) picked(pick({ prompt: Buffer.from(`${i}`.repeat(64 * 4)) }));
  assert.equal(pools.snapshot()[0]!.endpoints[0]!.prefixBlocks, 10);
  assert.equal(pools.snapshot()[0]!.indexedBlocks, 10);
});

test("with autoTune the index holds the scraped num_gpu_blocks and prompts are hashed with the scraped block size", async (t) => {
  const { scrapes, pools, pick } = setup(t, [A, B, C], { prefix: { lruCapacityPerServer: 1000 } });
  await scrapes.answerAll({
    [A]: vllmPage({ blockSize: 32, numGpuBlocks: 3 }),
    [B]: vllmPage({ blockSize: 32, numGpuBlocks: 3 }),
    [C]: vllmPage({ blockSize: 8, numGpuBlocks: 3 }),
  });
  assert.equal(pools.snapshot()[0]!.blockSizeTokens, 32);
  // 32 tokens x 4 characters = 128-byte blocks: a 600-byte prompt has 4; the LRU keeps 3.
  const out = picked(pick({ prompt: Buffer.alloc(600, 0x61) }));
  const blocks = pools.snapshot()[0]!.endpoints.find((e) => e.address === out.endpoint.address)!.prefixBlocks;
  assert.equal(blocks, 3);
});

test("requests sent since the last scrape count in the queue, so a burst spreads; a scrape takes back only what it saw", async (t) => {
  const { scrapes, pools, p, pick } = setup(t, [A, B, C, D]);
  await scrapes.answerAll({ [A]: vllmPage({}), [B]: vllmPage({}), [C]: vllmPage({}), [D]: vllmPage({}) });
  await scrapes.begun(A);
  const counts = new Map<string, number>();
  for (let i = 0; i < 8; i++) {
    const out = picked(pick());
    pools.sent(p, out.endpoint.address);
    counts.set(out.endpoint.address, (counts.get(out.endpoint.address) ?? 0) + 1);
  }
  assert.deepEqual([...counts.values()], [2, 2, 2, 2]);
  const stateOfA = () => pools.snapshot()[0]!.endpoints.find((e) => e.address === A)!;
  // A's scrape under way began before the burst: its page cannot include those 2.
  await scrapes.answer(A, vllmPage({}));
  assert.equal(stateOfA().sentSinceScrape, 2);
  // The next one begins after them, so its page includes them and they leave the count.
  await scrapes.begun(A);
  pools.sent(p, A); // sent while that scrape is under way: not in its page
  await scrapes.answer(A, vllmPage({ waiting: 2 }));
  assert.equal(stateOfA().sentSinceScrape, 1);
  assert.equal(stateOfA().inFlight, 3);
  assert.equal(stateOfA().waiting, 2);
  pools.finished(p, A);
  assert.equal(stateOfA().inFlight, 2);
});

test("saturation: a sheddable request is shed with the reason, others are scored as always", async (t) => {
  const { scrapes, pools, p, pick } = setup(t, [A, B]);
  await scrapes.answerAll({ [A]: vllmPage({ waiting: 6 }), [B]: vllmPage({ waiting: 3, kv: 0.9 }) });
  const shed = pick({ priority: -1 });
  assert.deepEqual(shed, {
    kind: "shed",
    message:
      "inference pool default/pool is saturated (no endpoint with queue <= 5 and KV cache <= 80% and metrics " +
      "fresher than 200 ms); sheddable request dropped",
  });
  // A: queue 6 (score 0), KV 0 (score 1), LoRA 1 (a base model): 3; B: queue 3 + 2 sent (score 1),
  // KV 0.9 (score 0.1), LoRA 1: 3.2.
  pools.sent(p, B);
  pools.sent(p, B);
  const out = picked(pick({ priority: 0 }));
  assert.equal(out.endpoint.address, B);
  assert.equal(out.reason, "saturated");
  assert.deepEqual(
    out.scores.map((s) => [s.address, Number(s.total.toFixed(3))]),
    [
      [B, 3.2],
      [A, 3],
    ],
  );
});

test("saturation keeps prefix affinity: a busy pool's requests stay with the endpoint that caches their prefix", async (t) => {
  const { scrapes, pick } = setup(t, [A, B]);
  await scrapes.answerAll({ [A]: vllmPage({ waiting: 0 }), [B]: vllmPage({ waiting: 0 }) });
  const system = "You are a careful assistant who answers in one line. ".repeat(60);
  const first = picked(pick({ prompt: Buffer.from(`${system}Question one?`) }));
  const holder = first.endpoint.address;
  const other = holder === A ? B : A;
  // Both over the KV threshold, the holder with the longer queue: saturated, and it still wins on prefix.
  await scrapes.answerAll({
    [holder]: vllmPage({ waiting: 7, kv: 0.95 }),
    [other]: vllmPage({ waiting: 6, kv: 0.85 }),
  });
  assert.equal(pick({ priority: -1 }).kind, "shed");
  const next = picked(pick({ prompt: Buffer.from(`${system}Question two?`) }));
  assert.equal(next.reason, "saturated");
  assert.equal(next.endpoint.address, holder);
  assert.ok(next.scores[0]!.prefix > 0.9, String(next.scores[0]!.prefix));
});

test("saturation counts the requests sent since the scrape, and needs metrics fresher than 200 ms", async (t) => {
  const { scrapes, pools, p, pick } = setup(t, [A]);
  await scrapes.answer(A, vllmPage({ waiting: 4 }));
  assert.equal(picked(pick({ priority: -1 })).reason, "scored");
  pools.sent(p, A);
  pools.sent(p, A);
  assert.equal(pick({ priority: -1 }).kind, "shed", "4 waiting + 2 sent > 5");
  const fresh = setup(t, [B]);
  await fresh.scrapes.answer(B, vllmPage({ waiting: 0 }));
  fresh.clock.now = 201;
  assert.equal(fresh.pick({ priority: -1 }).kind, "shed", "201 ms old metrics are not fresh enough");
  fresh.clock.now = 1001;
  const stale = picked(fresh.pick({ priority: -1 }));
  assert.equal(stale.reason, "stale", "metrics older than staleAfterMs: ranked by in-flight, not shed");
});

test("a stale endpoint among fresh ones is ranked by its in-flight requests alone", async (t) => {
  const { clock, scrapes, pools, p, pick } = setup(t, [A, B]);
  await scrapes.answerAll({ [A]: vllmPage({ waiting: 3 }), [B]: vllmPage({ waiting: 0 }) });
  clock.now = 1500;
  await scrapes.answer(A, vllmPage({ waiting: 3 })); // B's scrape stays unanswered: stale
  pools.sent(p, B);
  const out = picked(pick());
  // A: q = 3 waiting; B: q = 1 in flight, and no KV or LoRA credit.
  assert.equal(out.endpoint.address, A);
  const b = out.scores.find((s) => s.address === B)!;
  assert.deepEqual([b.queue, b.kvCache, b.prefix, b.lora], [1, 0, 0, 0]);
  assert.equal(out.scores[0]!.queue, 0);
  assert.equal(pools.snapshot()[0]!.endpoints.find((e) => e.address === B)!.fresh, false);
});

test("an unknown queue scores 0 against known ones; unknown KV usage scores 0 and does not saturate", async (t) => {
  const { scrapes, pick } = setup(t, [A, B]);
  await scrapes.answerAll({
    [A]: "vllm:num_requests_running 1\n",
    [B]: vllmPage({ waiting: 5, kv: 0.5 }),
  });
  const out = picked(pick({ priority: -1 }));
  assert.equal(out.endpoint.address, B);
  const a = out.scores.find((s) => s.address === A)!;
  assert.deepEqual([a.queue, a.kvCache], [0, 0]);
  const lone = setup(t, [C]);
  await lone.scrapes.answer(C, "vllm:num_requests_running 1\n");
  assert.equal(picked(lone.pick({ priority: -1 })).reason, "scored");
});

test("LoRA affinity: the endpoint running the adapter wins; adapters are known from lora info or /v1/models", async (t) => {
  const { scrapes, pick } = setup(t, [A, B, C]);
  scrapes.models.set(
    C,
    JSON.stringify({
      data: [
        { id: "base", parent: null },
        { id: "tuned", parent: "base" },
      ],
    }),
  );
  await scrapes.answerAll({
    [A]: vllmPage({ lora: { running: "other", waiting: "", max: 1 } }),
    [B]: vllmPage({ lora: { running: "sql", waiting: "", max: 1 } }),
    [C]: vllmPage({ lora: { running: "", waiting: "", max: 2 } }),
  });
  const sql = picked(pick({ model: "sql" }));
  assert.equal(sql.endpoint.address, B);
  assert.deepEqual(
    sql.scores.map((s) => [s.address, s.lora]),
    [
      [B, 1],
      [C, 0.8],
      [A, 0],
    ],
  );
  // "tuned" runs nowhere, but C's /v1/models names it an adapter: C has a free slot.
  const tuned = picked(pick({ model: "tuned" }));
  assert.equal(tuned.endpoint.address, C);
  assert.equal(tuned.scores.find((s) => s.address === A)!.lora, 0);
  // A base model scores 1 everywhere.
  assert.ok(picked(pick({ model: "base" })).scores.every((s) => s.lora === 1));
});

test("subset and exclude narrow the candidates; availability skips ejected endpoints unless all are", async (t) => {
  const { scrapes, pick } = setup(t, [A, B, C]);
  await scrapes.answerAll({
    [A]: vllmPage({}),
    [B]: vllmPage({ waiting: 1 }),
    [C]: vllmPage({ waiting: 2 }),
  });
  assert.deepEqual(pick({ subset: [] }), {
    kind: "none",
    message: "the endpoint subset for inference pool default/pool is empty",
  });
  assert.equal(pick({ subset: ["192.168.0.1:80"] }).kind, "none");
  assert.equal(picked(pick({ subset: [C, "192.168.0.1:80"] })).endpoint.address, C);
  assert.equal(picked(pick({ exclude: new Set([A]) })).endpoint.address, B);
  assert.deepEqual(pick({ exclude: new Set([A, B, C]) }), {
    kind: "none",
    message: "every endpoint of inference pool default/pool was tried (3)",
  });
  assert.equal(pick({ subset: [B], exclude: new Set([B]) }).kind, "none");
  assert.equal(picked(pick({ available: (e) => e.address !== A })).endpoint.address, B);
  assert.equal(picked(pick({ available: () => false })).endpoint.address, A);
  const empty = setup(t, []);
  assert.deepEqual(empty.pick(), {
    kind: "none",
    message: "inference pool default/pool has no Ready endpoint",
  });
});

test("random and round-robin pickers ignore the scores", async (t) => {
  const rr = setup(t, [A, B, C], { picker: "round-robin" });
  await rr.scrapes.answerAll({ [A]: vllmPage({ waiting: 100 }), [B]: vllmPage({}), [C]: vllmPage({}) });
  const order = [0, 1, 2, 3].map(() => picked(rr.pick()));
  assert.deepEqual(
    order.map((o) => o.endpoint.address),
    [A, B, C, A],
  );
  assert.ok(order.every((o) => o.reason === "round-robin" && o.scores.length === 0));
  const random = setup(t, [A, B, C], { picker: "random" }, scriptedRandom(0.5, 0.9, 0));
  assert.deepEqual(
    [0, 1, 2].map(() => picked(random.pick()).endpoint.address),
    [B, C, A],
  );
});

test("sync keeps the state of endpoints that remain, starts new ones and forgets removed ones safely", async (t) => {
  const { scrapes, pools, p } = setup(t, [A, B]);
  await scrapes.answerAll({ [A]: vllmPage({ waiting: 2 }), [B]: vllmPage({ waiting: 1 }) });
  pools.sent(p, A);
  pools.sent(p, B);
  const reloaded = pool("default/pool", [A, C], p.picker);
  pools.sync([reloaded]);
  let view = pools.snapshot()[0]!.endpoints;
  assert.deepEqual(
    view.map((e) => [e.address, e.waiting, e.inFlight]),
    [
      [A, 2, 1],
      [C, undefined, 0],
    ],
  );
  await scrapes.answer(C, vllmPage({ waiting: 7 }));
  assert.equal(pools.snapshot()[0]!.endpoints[1]!.waiting, 7);
  // B's request finishes after B left: no negative count, nothing kept once it is done.
  pools.finished(p, B);
  pools.finished(p, B);
  // B comes back: a fresh start.
  pools.sync([pool("default/pool", [A, B, C], p.picker)]);
  view = pools.snapshot()[0]!.endpoints;
  assert.equal(view.find((e) => e.address === B)!.inFlight, 0);
  // A request picked on the old snapshot still resolves by address.
  const old = pools.pick(p, { model: "base", prompt: undefined, priority: 0 });
  assert.equal(old.kind, "picked");
  // The pool leaves the configuration: no more snapshot entries, and its late finishes are harmless.
  pools.sync([]);
  assert.deepEqual(pools.snapshot(), []);
  assert.equal(pools.pick(p, { model: "base", prompt: undefined, priority: 0 }).kind, "picked");
  pools.finished(p, A);
  pools.sent(p, A);
});

test("a removed endpoint that comes back before its request finishes keeps its in-flight count", async (t) => {
  const { pools, p } = setup(t, [A, B]);
  pools.sent(p, B);
  pools.sync([pool("default/pool", [A], p.picker)]);
  pools.sync([pool("default/pool", [A, B], p.picker)]);
  assert.equal(pools.snapshot()[0]!.endpoints[1]!.inFlight, 1);
  pools.finished(p, B);
  assert.equal(pools.snapshot()[0]!.endpoints[1]!.inFlight, 0);
});

test("scrape failures are logged once when they start and once when they end; the page must parse", async (t) => {
  const { scrapes, logs, pools } = setup(t, [A]);
  await scrapes.answer(A, new Error("connect ECONNREFUSED"));
  await scrapes.answer(A, new Error("connect ECONNREFUSED"));
  await scrapes.answer(A, "<html>oops</html>");
  assert.deepEqual(logs, [
    "inference pool default/pool endpoint 10.0.0.1:8000: metrics scrape failed: connect ECONNREFUSED",
  ]);
  assert.match(pools.snapshot()[0]!.endpoints[0]!.scrapeError!, /not a metric sample/);
  await scrapes.answer(A, vllmPage({}));
  assert.equal(logs.length, 3, logs.join("\n"));
  assert.equal(logs[1], "inference pool default/pool endpoint 10.0.0.1:8000: metrics scrape works again");
  assert.match(logs[2]!, /\/v1\/models failed: \/v1\/models answered 404/);
  assert.equal(pools.snapshot()[0]!.endpoints[0]!.scrapeError, undefined);
});

test("a removed endpoint's loop stops after the round under way; close() stops every loop", async (t) => {
  const { scrapes, pools, p } = setup(t, [A, B]);
  await scrapes.answerAll({ [A]: vllmPage({}), [B]: vllmPage({}) });
  await scrapes.begun(B);
  pools.sync([pool("default/pool", [A], p.picker)]);
  await scrapes.answer(B, vllmPage({}));
  await scrapes.answer(A, vllmPage({}));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(scrapes.underWay(B), false, "no new round for the removed endpoint");
  assert.equal(scrapes.underWay(A), true);
  await pools.close();
  const calls = scrapes.calls;
  await scrapes.answer(A, vllmPage({}));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(scrapes.calls, calls, "no round after close()");
});

test("a request answered before the next scrape leaves the queue count; one a scrape has seen is in its page", async (t) => {
  const { scrapes, pools, p } = setup(t, [A]);
  await scrapes.answer(A, vllmPage({}));
  const stateOfA = () => pools.snapshot()[0]!.endpoints.find((e) => e.address === A)!;
  // On a loaded machine the next round may have begun already: its page cannot show what is sent
  // after it began, so it is answered first, and the round after it is the one that shows them.
  const begunBefore = scrapes.underWay(A);
  const quick = pools.sent(p, A);
  const long = pools.sent(p, A);
  assert.equal(stateOfA().sentSinceScrape, 2);
  pools.finished(p, A, quick);
  assert.equal(stateOfA().sentSinceScrape, 1, "the quick one is done: nothing of it waits there");
  if (begunBefore) {
    await scrapes.answer(A, vllmPage({ running: 1 }));
    assert.equal(stateOfA().sentSinceScrape, 1, "a page begun before the send does not show it");
  }
  await scrapes.begun(A);
  await scrapes.answer(A, vllmPage({ running: 1 }));
  assert.equal(stateOfA().sentSinceScrape, 0, "the page shows the long one");
  pools.finished(p, A, long);
  assert.equal(stateOfA().sentSinceScrape, 0);
  assert.equal(stateOfA().inFlight, 0);
});

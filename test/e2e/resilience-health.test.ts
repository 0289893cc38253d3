import * as assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { bedrockBackendDocs, EXAMPLE_CREDENTIALS, startFakeBedrock } from "../support/fake-bedrock.js";
import { FAKE_ANSWER, FAKE_ANSWER_TOKENS, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import {
  answerStatus,
  backendTrafficPolicyDoc,
  startKillableUpstream,
  trickle,
} from "../support/fault-handlers.js";
import { modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import {
  type RecordingUpstream,
  startRecordingUpstream,
  type UpstreamHandler,
} from "../support/recording-upstream.js";
import { attemptsOf, type Scenario, startScenario, USER_HI } from "../support/resilience-scenario.js";

/**
 * Backend health across requests: a Retry-After pauses a backend, passive outlier detection ejects
 * one that keeps failing, and both bring it back when their time is up. The headline test kills the
 * primary provider under load and restarts it: no client sees an error it could not have been
 * spared, and traffic goes back to the primary once it is healthy again.
 */

const MODEL = "gpt-test";
const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";

async function upstream(
  t: TestContext,
  handler: UpstreamHandler = fakeOpenAIHandler,
): Promise<RecordingUpstream> {
  const u = await startRecordingUpstream(handler);
  t.after(() => u.close());
  return u;
}

/** Two OpenAI backends of equal weight in one tier; `extra` adds policies. */
async function oneTierOfTwo(t: TestContext, a: RecordingUpstream, b: RecordingUpstream, ...extra: object[]) {
  return startScenario(
    t,
    openAIBackendDocs("a", a.url),
    openAIBackendDocs("b", b.url),
    routeDoc("r", { rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "a" }, { name: "b" }] }] }),
    ...(extra as Record<string, unknown>[]),
  );
}

const chat = (s: Scenario) =>
  s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));

/**
 * Sends requests one at a time until `hit()` says the one just sent reached the backend looked for,
 * at most `max`; returns the records of the requests sent.
 */
async function sendUntil(s: Scenario, hit: () => boolean, max = 40): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  for (let i = 0; i < max; i++) {
    records.push((await chat(s)).record);
    if (hit()) return records;
  }
  assert.fail(`the backend got no request in ${max} tries`);
}

// ---- Retry-After -----------------------------------------------------------------------------------

/**
 * Backend `a` answers its first request 429 with the Retry-After `header()` gives (and the
 * performance.now() the pause should end at); `b` always answers. The 429 is relayed (one tier, no
 * policy); `a` then gets nothing until the pause is over, and traffic again after it.
 */
async function retryAfterCase(t: TestContext, header: () => { value: string; endsAt: number }) {
  let pauseEndsAt = 0;
  const a = await upstream(t, (req, res) => {
    if (a.requests.length > 1) return fakeOpenAIHandler(req, res);
    const { value, endsAt } = header();
    pauseEndsAt = endsAt;
    return answerStatus(429, { "retry-after": value })(req, res);
  });
  const b = await upstream(t);
  const s = await oneTierOfTwo(t, a, b);

  const before = await sendUntil(s, () => a.requests.length === 1);
  const limited = before.at(-1)!;
  assert.equal(limited.status, 429);
  assert.deepEqual(attemptsOf(limited), [["a", 429, undefined]]);
  assert.deepEqual(limited.usage, emptyUsage());
  for (const record of before.slice(0, -1)) assert.deepEqual(attemptsOf(record), [["b", 200, undefined]]);

  // While paused, every request goes to b (ten in a row: 1 in 1024 by chance without the pause).
  for (let i = 0; i < 10; i++) {
    const { error, record } = await chat(s);
    assert.equal(error, undefined);
    assert.deepEqual(attemptsOf(record), [["b", 200, undefined]]);
  }
  assert.ok(performance.now() < pauseEndsAt, "the ten requests were sent within the pause");
  assert.equal(a.requests.length, 1, "no traffic to the paused backend");

  await sleep(pauseEndsAt - performance.now() + 25);
  const after = await sendUntil(s, () => a.requests.length === 2);
  assert.deepEqual(attemptsOf(after.at(-1)!), [["a", 200, undefined]]);
}

test("429 with Retry-After in seconds: the backend gets no traffic until then, and traffic after", async (t) => {
  await retryAfterCase(t, () => ({ value: "1", endsAt: performance.now() + 1000 }));
});

test("429 with Retry-After as an HTTP date: the backend gets no traffic until then, and traffic after", async (t) => {
  await retryAfterCase(t, () => {
    const value = new Date(Date.now() + 2000).toUTCString();
    // HTTP dates have whole seconds: the pause ends between one and two seconds from now.
    return { value, endsAt: performance.now() + (Date.parse(value) - Date.now()) };
  });
});

test("a 429 with Retry-After surfaces as the SDK's RateLimitError", async (t) => {
  const a = await upstream(t, answerStatus(429, { "retry-after": "1" }));
  const s = await startScenario(
    t,
    openAIBackendDocs("a", a.url),
    routeDoc("r", { rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "a" }] }] }),
  );
  const { error, record } = await chat(s);
  assert.ok(error instanceof OpenAI.RateLimitError, String(error));
  assert.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after"), "1");
  assert.equal(record.status, 429);
});

// ---- passive outlier detection ----------------------------------------------------------------------

test("passive outlier ejection: consecutive 5xx eject a backend for baseEjectionTime, then it is back", async (t) => {
  const bad = await upstream(t, answerStatus(500));
  const good = await upstream(t);
  const s = await oneTierOfTwo(
    t,
    bad,
    good,
    backendTrafficPolicyDoc("outliers", "r", {
      healthCheck: { passive: { consecutive5XxErrors: 3, baseEjectionTime: "1s", interval: "1s" } },
    }),
  );

  // The 500s are relayed (no retry policy, one tier) and counted until the third ejects `bad`.
  const before = await sendUntil(s, () => bad.requests.length === 3, 60);
  const ejectedAt = performance.now();
  for (const record of before) {
    const [backend, status] = attemptsOf(record)[0]!;
    assert.equal(record.status, backend === "a" ? 500 : 200);
    assert.equal(status, record.status);
  }

  // Ten in a row to b: 1 in 1024 by chance without the ejection.
  for (let i = 0; i < 10; i++) {
    const { error, record } = await chat(s);
    assert.equal(error, undefined);
    assert.deepEqual(attemptsOf(record), [["b", 200, undefined]]);
  }
  assert.ok(performance.now() - ejectedAt < 1000, "the ten requests were sent within the ejection");
  assert.equal(bad.requests.length, 3, "no traffic to the ejected backend");

  await sleep(ejectedAt + 1000 - performance.now() + 25);
  const after = await sendUntil(s, () => bad.requests.length === 4);
  assert.deepEqual(attemptsOf(after.at(-1)!), [["a", 500, undefined]]);
});

// ---- the headline test ------------------------------------------------------------------------------

test("2,000 requests at concurrency 50, the primary killed half way and restarted: no avoidable client error", async (t) => {
  const TOTAL = 2000;
  const CONCURRENCY = 50;
  const KILL_AT = 1000;
  const RESTART_AT = 1500;

  // The primary takes 5 ms to answer and streams an event every 2 ms, so that requests and streams
  // are in flight at every stage when it dies.
  const streamSlowly = trickle(2, FAKE_ANSWER_TOKENS);
  const primary = await startKillableUpstream(async (req, res) => {
    await sleep(5);
    if (res.destroyed) return;
    const stream = (JSON.parse(req.body.toString("utf8")) as { stream?: boolean }).stream === true;
    return stream ? streamSlowly(req, res) : fakeOpenAIHandler(req, res);
  });
  t.after(() => primary.close());
  const bedrock = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS });
  t.after(() => bedrock.close());
  const s = await startScenario(
    t,
    openAIBackendDocs("primary", primary.url),
    bedrockBackendDocs("bedrock", bedrock, { credentials: EXAMPLE_CREDENTIALS }),
    routeDoc("r", {
      rules: [
        {
          matches: [modelIs(MODEL)],
          backendRefs: [
            { name: "primary", priority: 0 },
            { name: "bedrock", priority: 1, modelNameOverride: CLAUDE },
          ],
        },
      ],
    }),
    // Without a retry block the no-policy failover applies; the ejection is short so the restarted
    // primary is back soon.
    backendTrafficPolicyDoc("fast-ejection", "r", { healthCheck: { passive: { baseEjectionTime: "1s" } } }),
  );
  const answers = new Set([FAKE_ANSWER, "Hello from Bedrock."]);

  const failures = { plain: [] as unknown[], streamBeforeFirstChunk: [] as unknown[] };
  let midStream = 0;
  let wrongAnswers = 0;
  let servedBeforeKill = 0;
  let servedAtRestart = 0;
  let bedrockAtKill = 0;

  const one = async (i: number): Promise<void> => {
    if (i % 2 === 0) {
      try {
        const answer = await s.openai.chat.completions.create({ model: MODEL, messages: USER_HI });
        if (!answers.has(answer.choices[0]?.message.content ?? "")) wrongAnswers += 1;
      } catch (err) {
        failures.plain.push(err);
      }
      return;
    }
    let started = false;
    let text = "";
    try {
      const stream = await s.openai.chat.completions.create({
        model: MODEL,
        messages: USER_HI,
        stream: true,
      });
      for await (const chunk of stream) {
        started = true;
        text += chunk.choices[0]?.delta?.content ?? "";
      }
      if (!answers.has(text)) wrongAnswers += 1;
    } catch (err) {
      if (started) midStream += 1;
      else failures.streamBeforeFirstChunk.push(err);
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const i = next++;
      if (i === KILL_AT) {
        servedBeforeKill = primary.served();
        bedrockAtKill = bedrock.calls.length;
        await primary.kill();
      }
      if (i === RESTART_AT) {
        await primary.restart();
        servedAtRestart = primary.served();
      }
      await one(i);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - started;

  const describe = (errs: unknown[]) => errs.slice(0, 3).map(String).join("; ");
  assert.equal(failures.plain.length, 0, `non-streamed failures: ${describe(failures.plain)}`);
  assert.equal(
    failures.streamBeforeFirstChunk.length,
    0,
    `streams failed before their first chunk: ${describe(failures.streamBeforeFirstChunk)}`,
  );
  assert.equal(wrongAnswers, 0);
  assert.ok(servedBeforeKill > KILL_AT - CONCURRENCY, `the primary served ${servedBeforeKill} before dying`);
  assert.ok(bedrock.calls.length > bedrockAtKill, "the fallback took over");
  assert.equal(servedAtRestart, servedBeforeKill, "nothing reached the dead primary");

  const records = await s.gateway.waitForRecords(TOTAL, 10_000);
  assert.ok(
    records.every((r) => r.status === 200),
    "every request was answered 200",
  );
  // The upstream failures recorded are exactly the streams cut after their first chunk (an SDK
  // closing its connection right after [DONE] may leave a client_closed, which is no failure).
  const failed = records.filter((r) => r.error !== undefined && r.error !== "client_closed");
  assert.equal(failed.length, midStream, failed.map((r) => r.error).join(", "));
  const failedOver = records.filter(
    (r) => r.attempts.length === 2 && r.attempts[0]!.backend === "default/primary" && r.error === undefined,
  );
  assert.ok(failedOver.length > 0, "requests in flight at the kill or sent after it failed over");
  for (const r of failedOver) assert.equal(r.backend, "default/bedrock");
  const resets = failedOver.filter((r) => r.attempts[0]!.error === "upstream_reset").length;
  const refused = failedOver.filter((r) => r.attempts[0]!.error === "upstream_unreachable").length;
  assert.ok(resets > 0, "requests in flight when the primary died failed over");
  assert.ok(refused > 0, "requests sent to the dead primary failed over");
  assert.equal(resets + refused, failedOver.length);

  // Traffic returns to the restarted primary once its ejection is over.
  const deadline = performance.now() + 10_000;
  let back: RequestRecord | undefined;
  while (!back && performance.now() < deadline) {
    const { error, record } = await chat(s);
    assert.equal(error, undefined);
    if (record.backend === "default/primary") back = record;
    else await sleep(50);
  }
  assert.ok(back, "the restarted primary got traffic again");
  const servedBefore = primary.served();
  const batch = await Promise.all(Array.from({ length: CONCURRENCY }, () => chat(s)));
  for (const { error, record } of batch) {
    assert.equal(error, undefined);
    assert.deepEqual(attemptsOf(record), [["primary", 200, undefined]]);
  }
  assert.equal(primary.served() - servedBefore, CONCURRENCY);
  t.diagnostic(
    `${TOTAL} requests in ${elapsed.toFixed(0)} ms; ${failedOver.length} failed over (${resets} reset in flight, ${refused} refused), ${midStream} streams cut after their first chunk`,
  );
});

import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, startFakeOpenAI } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  openAIBackendDocs,
  rateLimitPolicyDoc,
  routeDoc,
  tokenCost,
} from "../support/gateway-yaml.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { chatWithResponse, openAIClient, refusedWith } from "../support/sdk-calls.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

/**
 * Token rate limits end to end through the official SDKs: a BackendTrafficPolicy on the route limits
 * total tokens per user (Distinct x-user-id), output tokens per tier (Exact x-tier) and requests per
 * model; the fake upstream reports FAKE_CHAT_USAGE (9 in, 5 out, 14 total) for every chat answer.
 * The counters are in memory here, where a request is charged synchronously as its answer is
 * finished, so the next request sees the charge (Redis sharing is tested in token-limits-redis).
 */

const TOTAL = FAKE_CHAT_USAGE.total_tokens;
const COSTS = [
  { metadataKey: "llm_input_token", type: "InputToken" },
  { metadataKey: "llm_output_token", type: "OutputToken" },
  { metadataKey: "llm_total_token", type: "TotalToken" },
  { metadataKey: "weighted", type: "CEL", cel: "input_tokens + output_tokens * 4u" },
];

let upstream: RecordingUpstream;
let gateway: TestGateway;
/** The access log's lines, in the order requests finished. */
const accessLines: string[] = [];

before(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url),
      routeDoc("limited", {
        rules: [
          { matches: [modelIs("gpt-user")], backendRefs: [{ name: "up" }] },
          { matches: [modelIs("gpt-tier")], backendRefs: [{ name: "up" }] },
          { matches: [modelIs("gpt-model")], backendRefs: [{ name: "up" }] },
          { matches: [modelIs("gpt-cel")], backendRefs: [{ name: "up" }] },
        ],
        llmRequestCosts: COSTS,
      }),
      rateLimitPolicyDoc("limits", { route: "limited" }, [
        {
          // Two answers' worth of total tokens per user per hour, on model gpt-user.
          clientSelectors: [
            {
              headers: [
                { name: "x-user-id", type: "Distinct" },
                { name: "x-ai-eg-model", value: "gpt-user" },
              ],
            },
          ],
          limit: { requests: TOTAL * 2, unit: "Hour" },
          cost: tokenCost("llm_total_token"),
        },
        {
          // The free tier gets one answer's output tokens a day; pro gets plenty.
          clientSelectors: [
            {
              headers: [
                { name: "x-tier", value: "free" },
                { name: "x-ai-eg-model", value: "gpt-tier" },
              ],
            },
          ],
          limit: { requests: FAKE_CHAT_USAGE.completion_tokens, unit: "Day" },
          cost: tokenCost("llm_output_token"),
        },
        {
          clientSelectors: [
            {
              headers: [
                { name: "x-tier", value: "pro" },
                { name: "x-ai-eg-model", value: "gpt-tier" },
              ],
            },
          ],
          limit: { requests: 1000, unit: "Day" },
          cost: tokenCost("llm_output_token"),
        },
        {
          // A plain request limit (no cost: one per request) on one model.
          clientSelectors: [{ headers: [{ name: "x-ai-eg-model", value: "gpt-model" }] }],
          limit: { requests: 3, unit: "Minute" },
        },
        {
          // A CEL cost: 9 + 5 * 4 = 29 per answer; 40 allows two answers (29 < 40, then 58 >= 40).
          clientSelectors: [{ headers: [{ name: "x-ai-eg-model", value: "gpt-cel" }] }],
          limit: { requests: 40, unit: "Hour" },
          cost: tokenCost("weighted"),
        },
      ]),
    ),
    { accessLog: (line) => accessLines.push(line) },
  );
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

const openai = (headers: Record<string, string> = {}) => openAIClient(gateway.url, headers);
const chat = chatWithResponse;
const rejected = refusedWith;

test("a user's total-token budget: two answers pass with x-ratelimit-* headers, the third is a 429 naming the rule; another user is unaffected", async () => {
  const alice = openai({ "x-user-id": "alice" });
  const before = upstream.requests.length;
  const first = await chat(alice, "gpt-user");
  assert.equal(first.response.headers.get("x-ratelimit-limit"), String(TOTAL * 2));
  assert.equal(first.response.headers.get("x-ratelimit-remaining"), String(TOTAL * 2));
  const reset = Number(first.response.headers.get("x-ratelimit-reset"));
  assert.ok(reset > 0 && reset <= 3600, `reset ${reset}`);
  const second = await chat(alice, "gpt-user");
  assert.equal(second.response.headers.get("x-ratelimit-remaining"), String(TOTAL));

  const refusal = await rejected(chat(alice, "gpt-user"));
  assert.ok(refusal instanceof OpenAI.RateLimitError);
  assert.equal(refusal.status, 429);
  assert.match(
    refusal.message,
    /rate limit exceeded: BackendTrafficPolicy default\/limits rateLimit\.global\.rules\[0\]/,
  );
  assert.equal(refusal.headers?.get("x-ratelimit-remaining"), "0");
  assert.equal(refusal.headers?.get("x-ratelimit-limit"), String(TOTAL * 2));
  assert.ok(Number(refusal.headers?.get("retry-after")) > 0);
  assert.equal(refusal.headers?.get("retry-after"), refusal.headers?.get("x-ratelimit-reset"));
  assert.equal(upstream.requests.length, before + 2, "a refused request never reaches the upstream");

  // The refusal's access-log line names the rule that refused it, and /metrics counts the decisions.
  const RULE = "BackendTrafficPolicy default/limits rateLimit.global.rules[0]";
  const requestId = refusal.headers?.get("x-aigw-request-id");
  assert.ok(requestId);
  const lineOf = () =>
    accessLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.request_id === requestId);
  await waitFor("the refusal's access-log line", () => lineOf() !== undefined);
  const line = lineOf();
  assert.equal(line?.response_code, 429);
  assert.deepEqual(line?.["ai_gateway.limits"], [
    { rule: RULE, kind: "rate_limit", bucket: "alice", limit: TOTAL * 2, remaining: 0, outcome: "refused" },
  ]);
  const metrics = await sendRaw(`${gateway.gateway.adminUrl}/metrics`);
  assert.equal(metrics.status, 200);
  const scraped = parsePrometheusText(metrics.text);
  assert.equal(
    sampleValue(scraped, "aigw_rate_limit_decisions_total", { rule: RULE, outcome: "refused" }),
    1,
  );
  assert.equal(
    sampleValue(scraped, "aigw_rate_limit_decisions_total", { rule: RULE, outcome: "allowed" }),
    2,
  );

  const bob = await chat(openai({ "x-user-id": "bob" }), "gpt-user");
  assert.equal(bob.response.headers.get("x-ratelimit-remaining"), String(TOTAL * 2));
});

test("a Distinct selector whose header is missing does not apply: no limit, no headers", async () => {
  for (let i = 0; i < 4; i++) {
    const { response } = await chat(openai(), "gpt-user");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-ratelimit-limit"), null);
  }
});

test("tiers: the free tier's output-token allowance runs out after one answer, pro's does not", async () => {
  const free = openai({ "x-tier": "free" });
  const pro = openai({ "x-tier": "pro" });
  assert.equal((await chat(free, "gpt-tier")).response.status, 200);
  await rejected(chat(free, "gpt-tier"));
  for (let i = 0; i < 3; i++) assert.equal((await chat(pro, "gpt-tier")).response.status, 200);
});

test("a request-count limit on a model (no cost block: each request costs 1 up front)", async () => {
  const client = openai();
  for (let i = 0; i < 3; i++) {
    const { response } = await chat(client, "gpt-model");
    assert.equal(response.headers.get("x-ratelimit-remaining"), String(2 - i));
  }
  const refusal = await rejected(chat(client, "gpt-model"));
  assert.equal(refusal.status, 429);
});

test("a CEL cost is charged: 29 per answer against 40", async () => {
  const client = openai();
  await chat(client, "gpt-cel");
  const second = await chat(client, "gpt-cel");
  assert.equal(second.response.headers.get("x-ratelimit-remaining"), String(40 - 29));
  await rejected(chat(client, "gpt-cel"));
});

test("the Anthropic envelope: a refused /v1/messages call is a rate_limit_error with the same headers", async () => {
  const client = new Anthropic({
    apiKey: "sk-ant-client",
    baseURL: `${gateway.url}/anthropic`,
    maxRetries: 0,
    defaultHeaders: { "x-user-id": "carol" },
  });
  const ask = () =>
    client.messages.create({
      model: "gpt-user",
      max_tokens: 16,
      messages: [{ role: "user", content: "Hi" }],
    });
  await ask();
  await ask();
  try {
    await ask();
    assert.fail("expected a 429");
  } catch (err) {
    assert.ok(err instanceof Anthropic.RateLimitError, `got ${String(err)}`);
    assert.equal(err.status, 429);
    const body = err.error as { type?: string; error?: { type?: string; message?: string } };
    assert.equal(body.type, "error");
    assert.equal(body.error?.type, "rate_limit_error");
    assert.match(body.error?.message ?? "", /rateLimit\.global\.rules\[0\]/);
    assert.equal(err.headers?.get("x-ratelimit-remaining"), "0");
  }
});

test("a streamed answer is charged its usage (asked of the upstream when the client did not)", async () => {
  const dave = openai({ "x-user-id": "dave" });
  const stream = await dave.chat.completions.create({
    model: "gpt-user",
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  for await (const _ of stream) {
    // drain
  }
  const { response } = await chat(dave, "gpt-user");
  assert.equal(
    response.headers.get("x-ratelimit-remaining"),
    String(TOTAL),
    "the stream's 14 tokens were charged",
  );
});

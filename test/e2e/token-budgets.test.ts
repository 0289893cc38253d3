import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  openAIBackendDocs,
  rateLimitPolicyDoc,
  routeDoc,
  tokenCost,
} from "../support/gateway-yaml.js";
import {
  type RecordingUpstream,
  startRecordingUpstream,
  type UpstreamHandler,
} from "../support/recording-upstream.js";
import { chatWithResponse, openAIClient } from "../support/sdk-calls.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Quotas, money budgets and the edges of charging: a QuotaPolicy on a backend (spent quota fails
 * over to the next backend; shadow buckets never refuse), a Gateway-level budget in micro-dollars from
 * a price table, a stream the client abandons (charged from an estimate), and the admission
 * estimate. The fake upstreams answer FAKE_CHAT_USAGE (9 in of which 3 cached, 5 out, 14 total).
 */

/** Streams two chunks for model gpt-slow and then hangs until the client leaves; else the fake OpenAI. */
const slowStreams: UpstreamHandler = async (req, res) => {
  const body = JSON.parse(req.body.toString("utf8")) as { model?: string; stream?: boolean };
  if (body.model !== "gpt-slow" || body.stream !== true) return fakeOpenAIHandler(req, res);
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const content of ["one", " two"]) {
    const choice = { index: 0, delta: { content }, logprobs: null, finish_reason: null };
    res.write(
      `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-slow", choices: [choice] })}\n\n`,
    );
  }
  await new Promise((resolve) => res.on("close", resolve));
};

let primary: RecordingUpstream;
let secondary: RecordingUpstream;
let gateway: TestGateway;

const PRICES = "gpt-priced: {input: 100, cachedInput: 10, output: 1000}\n";
// 6 plain input * 100 + 3 cached * 10 + 5 output * 1000 = 5,630 micro-dollars per answer.
const ANSWER_PRICE = 6 * 100 + 3 * 10 + 5 * 1000;

before(async () => {
  primary = await startRecordingUpstream(slowStreams);
  secondary = await startRecordingUpstream(fakeOpenAIHandler);
  const gatewayWithConfig = gatewayDocs();
  const gatewayDoc = gatewayWithConfig[1] as { metadata: Record<string, unknown> };
  gatewayDoc.metadata.annotations = { "aigateway.envoyproxy.io/gateway-config": "aigw" };
  gateway = await startTestGateway(
    configYaml(
      gatewayWithConfig,
      {
        apiVersion: "aigateway.envoyproxy.io/v1beta1",
        kind: "GatewayConfig",
        metadata: { name: "aigw", namespace: "default", annotations: { "aigw/price-table": "prices" } },
        spec: { globalLLMRequestCosts: [{ metadataKey: "spend", type: "CEL", cel: "price_micros" }] },
      },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "prices", namespace: "default" },
        data: { "prices.yaml": PRICES },
      },
      openAIBackendDocs("primary", primary.url),
      openAIBackendDocs("secondary", secondary.url),
      routeDoc("budgets", {
        rules: [
          {
            matches: [modelIs("gpt-quota")],
            backendRefs: [{ name: "primary" }, { name: "secondary", priority: 1 }],
          },
          { matches: [modelIs("gpt-shadow")], backendRefs: [{ name: "secondary" }] },
          { matches: [modelIs("gpt-priced")], backendRefs: [{ name: "secondary" }] },
          { matches: [modelIs("gpt-slow")], backendRefs: [{ name: "primary" }] },
        ],
        llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
      }),
      {
        apiVersion: "aigateway.envoyproxy.io/v1alpha1",
        kind: "QuotaPolicy",
        metadata: { name: "primary-quota", namespace: "default" },
        spec: {
          targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "primary" }],
          perModelQuotas: [
            // One answer's worth of total tokens an hour on the primary; then gpt-quota fails over.
            {
              modelName: "gpt-quota",
              quota: { defaultBucket: { limit: FAKE_CHAT_USAGE.total_tokens, duration: "1h" } },
            },
          ],
        },
      },
      {
        apiVersion: "aigateway.envoyproxy.io/v1alpha1",
        kind: "QuotaPolicy",
        metadata: { name: "secondary-shadow", namespace: "default" },
        spec: {
          targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "secondary" }],
          perModelQuotas: [
            {
              modelName: "gpt-shadow",
              quota: {
                costExpression: "input_tokens",
                bucketRules: [
                  {
                    clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
                    quota: { limit: 1, duration: "1m" },
                    shadowMode: true,
                  },
                ],
              },
            },
          ],
        },
      },
      // A Gateway-level money budget: department "research" may spend 2 answers' price a month.
      rateLimitPolicyDoc(
        "department-budget",
        { gateway: true },
        [
          {
            clientSelectors: [{ headers: [{ name: "x-department", value: "research" }] }],
            limit: { requests: ANSWER_PRICE * 2, unit: "Month" },
            cost: tokenCost("spend"),
          },
          {
            // Total tokens per user on the slow model, with the admission estimate on.
            clientSelectors: [
              {
                headers: [
                  { name: "x-user-id", type: "Distinct" },
                  { name: "x-ai-eg-model", value: "gpt-slow" },
                ],
              },
            ],
            limit: { requests: 100, unit: "Hour" },
            cost: tokenCost("llm_total_token"),
          },
        ],
        { annotations: { "aigw/admission-estimate": "true" } },
      ),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await primary?.close();
  await secondary?.close();
});

const openai = (headers: Record<string, string> = {}) => openAIClient(gateway.url, headers);
const chat = chatWithResponse;

test("a backend whose quota is spent is passed over: the next request fails over to the secondary", async () => {
  const client = openai();
  const p = primary.requests.length;
  const s = secondary.requests.length;
  await chat(client, "gpt-quota");
  assert.equal(primary.requests.length, p + 1);
  const records = await gateway.waitForRecords(gateway.records.length);
  assert.equal(records.at(-1)?.backend, "default/primary");
  await chat(client, "gpt-quota");
  assert.equal(primary.requests.length, p + 1, "the primary's quota is spent");
  assert.equal(secondary.requests.length, s + 1);
  assert.equal(gateway.records.at(-1)?.backend, "default/secondary");
});

test("shadow-mode buckets are counted but never refuse", async () => {
  const client = openai({ "x-tenant": "t1" });
  for (let i = 0; i < 3; i++) assert.equal((await chat(client, "gpt-shadow")).response.status, 200);
});

test("a Gateway-level money budget from the price table: two answers' price, then 429", async () => {
  const research = openai({ "x-department": "research" });
  const first = await chat(research, "gpt-priced");
  assert.equal(gateway.records.at(-1)?.costs.spend, ANSWER_PRICE);
  assert.equal(first.response.headers.get("x-ratelimit-limit"), String(ANSWER_PRICE * 2));
  await chat(research, "gpt-priced");
  await assert.rejects(chat(research, "gpt-priced"), (err: unknown) => {
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.match(err.message, /department-budget rateLimit\.global\.rules\[0\]/);
    return true;
  });
  // Other departments are not limited by it.
  assert.equal((await chat(openai({ "x-department": "sales" }), "gpt-priced")).response.status, 200);
});

test("a stream the client abandons is charged: usage estimated from the request and the relayed chunks", async () => {
  const client = openai({ "x-user-id": "quitter" });
  const count = gateway.records.length;
  const stream = await client.chat.completions.create({
    model: "gpt-slow",
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  let chunks = 0;
  for await (const _ of stream) {
    chunks += 1;
    if (chunks === 2) break; // leaves the stream (the SDK aborts the request)
  }
  const [record] = (await gateway.waitForRecords(count + 1)).slice(count);
  assert.equal(record?.error, "client_closed");
  assert.equal(record?.usageEstimated, true);
  assert.ok((record?.usage.inputTokens ?? 0) > 0, "input estimated from the request");
  assert.equal(record?.usage.outputTokens, 2, "one token per relayed chunk");
  const charged = record!.usage.totalTokens;
  assert.equal(record?.costs.llm_total_token, charged);
  // The charge shows in the next admitted request's headers.
  const next = await client.chat.completions
    .create({ model: "gpt-slow", messages: [{ role: "user", content: "Hi" }], max_tokens: 1 })
    .withResponse();
  assert.equal(next.response.headers.get("x-ratelimit-remaining"), String(100 - charged));
});

test("the admission estimate refuses up front a request whose max_tokens alone would overshoot", async () => {
  const client = openai({ "x-user-id": "greedy" });
  const before = primary.requests.length;
  await assert.rejects(chat(client, "gpt-slow", { max_tokens: 500 }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.match(err.message, /would need about \d+ of the 100 left/);
    return true;
  });
  assert.equal(primary.requests.length, before, "refused before any upstream saw it");
});

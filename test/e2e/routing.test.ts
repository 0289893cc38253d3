import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { expectedUsage } from "../support/expected-usage.js";
import { FAKE_ANSWER, FAKE_CHAT_USAGE, startFakeOpenAI } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  modelMatches,
  openAIBackendDocs,
  routeDoc,
} from "../support/gateway-yaml.js";
import type { ReceivedRequest, RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { sseJsonChunks } from "../support/sse-events.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * How the gateway picks a rule and a backend (AIGatewayRoute semantics, research §1.1) and what it
 * changes on the way upstream: model header from the body, header matches, first match wins, weights,
 * priority tiers, modelNameOverride, header/body mutations, forced stream usage, byte-exact passthrough.
 * Five fake upstreams a..e tell which backend a request reached.
 */

const NAMES = ["a", "b", "c", "d", "e"] as const;
type Name = (typeof NAMES)[number];
const upstreams = {} as Record<Name, RecordingUpstream>;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  for (const name of NAMES) upstreams[name] = await startFakeOpenAI();
  const config = configYaml(
    gatewayDocs(),
    ...NAMES.filter((n) => n !== "e").map((n) => openAIBackendDocs(n, upstreams[n].url)),
    openAIBackendDocs("e", upstreams.e.url, {
      headerMutation: {
        set: [
          { name: "x-backend-only", value: "backend" },
          { name: "x-conflict", value: "backend" },
        ],
        remove: ["x-remove-by-backend"],
      },
      bodyMutation: {
        set: [
          { path: "service_tier", value: '"flex"' },
          { path: "conflict_field", value: '"backend"' },
        ],
        remove: ["drop_by_backend"],
      },
    }),
    routeDoc("main", {
      rules: [
        { name: "plain-a", matches: [modelIs("model-a")], backendRefs: [{ name: "a" }] },
        { name: "plain-b", matches: [modelIs("model-b")], backendRefs: [{ name: "b" }] },
        // Header matches inside one `matches` entry are ANDed; separate entries are ORed.
        {
          name: "gold-tenant",
          matches: [
            { headers: [...modelIs("m-and").headers, { type: "Exact", name: "x-tenant", value: "gold" }] },
          ],
          backendRefs: [{ name: "c" }],
        },
        { name: "any-m", matches: [modelMatches("m-.*")], backendRefs: [{ name: "d" }] },
        // Shadowed by any-m above: the first matching rule wins.
        { name: "shadowed", matches: [modelIs("m-shadowed")], backendRefs: [{ name: "b" }] },
        { name: "either", matches: [modelIs("or-1"), modelIs("or-2")], backendRefs: [{ name: "a" }] },
        {
          name: "weighted",
          matches: [modelIs("weighted")],
          backendRefs: [
            { name: "a", weight: 1 },
            { name: "b", weight: 3 },
            { name: "c", weight: 0 },
          ],
        },
        {
          name: "tiers",
          matches: [modelIs("tiers")],
          backendRefs: [
            { name: "a", priority: 0 },
            { name: "b", priority: 1 },
          ],
        },
        {
          name: "tier0-all-zero",
          matches: [modelIs("tier0-all-zero")],
          backendRefs: [
            { name: "a", priority: 0, weight: 0 },
            { name: "b", priority: 1, weight: 1 },
          ],
        },
        {
          name: "alias",
          matches: [modelIs("alias")],
          backendRefs: [{ name: "a", modelNameOverride: "real-model-2024" }],
        },
        { name: "mutate-backend-only", matches: [modelIs("mutate-backend")], backendRefs: [{ name: "e" }] },
        {
          name: "mutate-both",
          matches: [modelIs("mutate-both")],
          backendRefs: [
            {
              name: "e",
              headerMutation: {
                set: [
                  { name: "x-conflict", value: "route" },
                  { name: "x-route-only", value: "route" },
                ],
                remove: ["x-remove-by-route"],
              },
              bodyMutation: {
                set: [
                  { path: "conflict_field", value: '"route"' },
                  { path: "temperature", value: "0.5" },
                ],
                remove: ["drop_by_route"],
              },
            },
          ],
        },
      ],
    }),
    routeDoc("tenant", {
      hostnames: ["tenant.example.com"],
      rules: [{ matches: [modelIs("tenant-only")], backendRefs: [{ name: "c" }] }],
    }),
    routeDoc("costly", {
      rules: [{ matches: [modelIs("costly-model")], backendRefs: [{ name: "a" }] }],
      llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
    }),
  );
  gateway = await startTestGateway(config);
  client = new OpenAI({ apiKey: "k", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  for (const name of NAMES) await upstreams[name]?.close();
});

let nextTag = 0;

/**
 * Sends a chat request through the SDK and returns which upstream got it (and what it got). The message
 * carries a unique tag to find the request among all upstreams, so concurrent calls are told apart.
 */
async function route(
  model: string,
  headers: Record<string, string> = {},
): Promise<{ name: Name | "none"; sent?: ReceivedRequest }> {
  const tag = `route-tag-${nextTag++}`;
  try {
    await client.chat.completions.create({ model, messages: [{ role: "user", content: tag }] }, { headers });
  } catch (err) {
    if (err instanceof OpenAI.NotFoundError) return { name: "none" };
    throw err;
  }
  const hits = NAMES.flatMap((name) =>
    upstreams[name].requests.filter((r) => r.body.includes(`"${tag}"`)).map((sent) => ({ name, sent })),
  );
  assert.equal(hits.length, 1, `exactly one upstream request, got ${hits.map((h) => h.name).join(",")}`);
  return hits[0]!;
}

test("the body's model overwrites a client-sent x-ai-eg-model", async () => {
  assert.equal((await route("model-a", { "x-ai-eg-model": "model-b" })).name, "a");
  assert.equal((await route("model-b", { "x-ai-eg-model": "model-a" })).name, "b");
});

test("a route with hostnames serves only requests for those hosts (port ignored)", async () => {
  const body = { model: "tenant-only", messages: [{ role: "user", content: "Hi" }] };
  const port = new URL(gateway.url).port;
  const before = upstreams.c.requests.length;
  const tenant = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body,
    headers: { host: `tenant.example.com:${port}` },
  });
  assert.equal(tenant.status, 200, tenant.text);
  assert.equal(upstreams.c.requests.length, before + 1);
  const other = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body,
    headers: { host: "other.example.com" },
  });
  assert.equal(other.status, 404, other.text);
  assert.equal(upstreams.c.requests.length, before + 1);
});

test("Exact and RegularExpression matches; another header ANDed", async () => {
  assert.equal((await route("m-and", { "x-tenant": "gold" })).name, "c");
  assert.equal((await route("m-and", { "x-tenant": "silver" })).name, "d", "AND: one header off, next rule");
  assert.equal((await route("m-and")).name, "d", "AND: header missing, next rule");
  assert.equal((await route("m-anything")).name, "d");
  // Gateway API regex matches the whole value, not a substring.
  assert.equal((await route("xm-1")).name, "none");
  assert.equal((await route("or-1")).name, "a", "separate matches entries are ORed");
  assert.equal((await route("or-2")).name, "a");
});

test("the first matching rule wins", async () => {
  const recordsBefore = gateway.records.length;
  assert.equal((await route("m-shadowed")).name, "d");
  const records = await gateway.waitForRecords(recordsBefore + 1);
  assert.equal(records[recordsBefore]!.rule, "any-m");
});

test("weights 1:3 split 400 requests within 4 standard deviations; weight 0 is never chosen", async () => {
  const total = 400;
  const counts: Record<string, number> = {};
  // Batches of 20 concurrent requests: quick, and still every request is counted.
  for (let i = 0; i < total; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => route("weighted")));
    for (const { name } of batch) counts[name] = (counts[name] ?? 0) + 1;
  }
  const expectedA = total / 4;
  const sd = Math.sqrt(total * 0.25 * 0.75); // ~8.7
  const a = counts["a"] ?? 0;
  assert.ok(Math.abs(a - expectedA) <= 4 * sd, `a got ${a} of ${total}, expected ${expectedA} +- ${4 * sd}`);
  assert.equal((counts["a"] ?? 0) + (counts["b"] ?? 0), total, JSON.stringify(counts));
  assert.equal(counts["c"] ?? 0, 0, "weight 0 is never chosen");
});

test("priority: the lowest tier serves; tier 1 only when tier 0 has no weight", async () => {
  for (let i = 0; i < 20; i++) assert.equal((await route("tiers")).name, "a");
  for (let i = 0; i < 20; i++) assert.equal((await route("tier0-all-zero")).name, "b");
});

test("modelNameOverride rewrites only the model in the upstream body, and the record's requestModel", async () => {
  // Unusual spacing and key order, and "model" inside a nested object and a string before the top-level
  // key: everything but the top-level model's value must arrive byte for byte.
  const raw =
    '{ "metadata": {"model": "alias"}, "messages" :[ {"content":"say \\"model\\": \\"alias\\"",  "role":"user"}],\n  "model":   "alias" ,"n":1 }';
  const at = raw.lastIndexOf('"alias"');
  const expected = `${raw.slice(0, at)}"real-model-2024"${raw.slice(at + '"alias"'.length)}`;
  const recordsBefore = gateway.records.length;
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, { body: raw });
  assert.equal(res.status, 200, res.text);
  const sent = upstreams.a.requests.at(-1)!;
  assert.equal(sent.body.toString("utf8"), expected);
  const record = (await gateway.waitForRecords(recordsBefore + 1))[recordsBefore]!;
  assert.equal(record.originalModel, "alias");
  assert.equal(record.requestModel, "real-model-2024");
});

const mutationRequest = (model: string) => ({
  body: {
    model,
    messages: [{ role: "user", content: "Hi" }],
    drop_by_backend: true,
    drop_by_route: true,
    keep_me: 1,
  },
  headers: { "x-remove-by-backend": "1", "x-remove-by-route": "1", "x-keep": "yes" },
});

test("headerMutation and bodyMutation of the AIServiceBackend apply", async () => {
  const { body, headers } = mutationRequest("mutate-backend");
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, { body, headers });
  assert.equal(res.status, 200, res.text);
  const sent = upstreams.e.requests.at(-1)!;
  assert.equal(sent.headers["x-backend-only"], "backend");
  assert.equal(sent.headers["x-conflict"], "backend");
  assert.equal(sent.headers["x-remove-by-backend"], undefined);
  assert.equal(sent.headers["x-remove-by-route"], "1", "only the backend's removals apply");
  assert.equal(sent.headers["x-keep"], "yes", "other client headers pass through");
  assert.deepEqual(JSON.parse(sent.body.toString("utf8")), {
    model: "mutate-backend",
    messages: [{ role: "user", content: "Hi" }],
    drop_by_route: true,
    keep_me: 1,
    service_tier: "flex",
    conflict_field: "backend",
  });
});

test("route-level mutations on the backendRef merge over the backend's; the route wins conflicts", async () => {
  const { body, headers } = mutationRequest("mutate-both");
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, { body, headers });
  assert.equal(res.status, 200, res.text);
  const sent = upstreams.e.requests.at(-1)!;
  assert.equal(sent.headers["x-backend-only"], "backend");
  assert.equal(sent.headers["x-route-only"], "route");
  assert.equal(sent.headers["x-conflict"], "route");
  assert.equal(sent.headers["x-remove-by-backend"], undefined);
  assert.equal(sent.headers["x-remove-by-route"], undefined);
  assert.equal(sent.headers["x-keep"], "yes");
  assert.deepEqual(JSON.parse(sent.body.toString("utf8")), {
    model: "mutate-both",
    messages: [{ role: "user", content: "Hi" }],
    keep_me: 1,
    service_tier: "flex",
    conflict_field: "route",
    temperature: 0.5,
  });
});

test("streamed chat on a route with llmRequestCosts gets stream_options.include_usage forced", async () => {
  for (const streamOptions of [undefined, { include_usage: false }]) {
    const recordsBefore = gateway.records.length;
    const res = await sendRaw(`${gateway.url}/v1/chat/completions`, {
      body: {
        model: "costly-model",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        ...(streamOptions === undefined ? {} : { stream_options: streamOptions }),
      },
    });
    assert.equal(res.status, 200, res.text);
    const sent = JSON.parse(upstreams.a.requests.at(-1)!.body.toString("utf8")) as Record<string, unknown>;
    assert.deepEqual(
      sent["stream_options"],
      { include_usage: true },
      `client sent ${JSON.stringify(streamOptions)}`,
    );
    const chunks = sseJsonChunks(res.text);
    const content = chunks.map(
      (c) => (c["choices"] as { delta?: { content?: string } }[])[0]?.delta?.content ?? "",
    );
    assert.equal(content.join(""), FAKE_ANSWER);
    const record = (await gateway.waitForRecords(recordsBefore + 1))[recordsBefore]!;
    assert.deepEqual(record.usage, expectedUsage(FAKE_CHAT_USAGE));
    assert.deepEqual(record.costs, { llm_total_token: FAKE_CHAT_USAGE.total_tokens });
  }
});

test("without costs nothing is forced: a streamed body passes through byte for byte", async () => {
  const raw = '{"stream":true,   "model":"model-a",\n"messages":[{"role":"user","content":"Hi"}]}';
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, { body: raw });
  assert.equal(res.status, 200, res.text);
  assert.equal(upstreams.a.requests.at(-1)!.body.toString("utf8"), raw);
  assert.ok(
    sseJsonChunks(res.text).every((c) => c["usage"] === undefined),
    "no usage chunk the client did not ask for",
  );
});

test("an unchanged body reaches the upstream byte for byte", async () => {
  const raw =
    '{\n\t"temperature" : 0.70, "messages":[{"content":"Hi \\u00e9", "role":"user"}],  "model":"model-b"   }\n';
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, { body: raw });
  assert.equal(res.status, 200, res.text);
  const sent = upstreams.b.requests.at(-1)!;
  assert.equal(sent.body.toString("utf8"), raw);
  assert.equal(sent.headers["content-length"], String(Buffer.byteLength(raw)));
});

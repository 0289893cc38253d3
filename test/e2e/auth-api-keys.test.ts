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
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { chatWithResponse, refusedWith } from "../support/sdk-calls.js";
import {
  apiKeyAuth,
  apiKeySecretDoc,
  CLIENT_ID_HEADER,
  securityPolicyDoc,
} from "../support/security-policy-yaml.js";
import { sendRaw } from "../support/send-raw.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * API-key consumers end to end through the official SDKs: a SecurityPolicy on the Gateway reads
 * the key where the SDKs send it (OpenAI: Authorization: Bearer, Anthropic: x-api-key), forwards
 * the client id and the consumer's aigw/client-headers upstream, and its authorization limits the
 * bronze tier to some models; a route's own policy replaces the Gateway's; a token limit counts per
 * authenticated consumer. The fake upstream shows what the gateway really sent.
 */

const KEYS = { alice: "sk-consumer-alice-0001", bob: "sk-consumer-bob-0002", carol: "sk-team-carol-0003" };
const PROVIDER_KEY = "sk-provider-upstream";
const TOTAL = FAKE_CHAT_USAGE.total_tokens;

let upstream: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url, { apiKey: PROVIDER_KEY }),
      routeDoc("models", {
        rules: ["gpt-big", "gpt-small", "gpt-limited"].map((model) => ({
          matches: [modelIs(model)],
          backendRefs: [{ name: "up" }],
        })),
        llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
      }),
      routeDoc("team", { rules: [{ matches: [modelIs("team-model")], backendRefs: [{ name: "up" }] }] }),
      apiKeySecretDoc(
        "consumer-keys",
        { alice: KEYS.alice, bob: KEYS.bob },
        {
          alice: { "x-tenant-id": "acme", "x-tier": "gold" },
          bob: { "x-tenant-id": "globex", "x-tier": "bronze" },
        },
      ),
      apiKeySecretDoc("team-keys", { carol: KEYS.carol }),
      securityPolicyDoc(
        "consumers",
        { gateway: true },
        {
          apiKeyAuth: apiKeyAuth("consumer-keys"),
          authorization: {
            defaultAction: "Deny",
            rules: [
              {
                name: "gold",
                action: "Allow",
                principal: { headers: [{ name: "x-tier", values: ["gold"] }] },
              },
              {
                name: "cheap-models",
                action: "Allow",
                principal: { headers: [{ name: "x-ai-eg-model", values: ["gpt-small", "gpt-limited"] }] },
              },
            ],
          },
        },
      ),
      securityPolicyDoc(
        "team-only",
        { route: "team" },
        {
          apiKeyAuth: {
            credentialRefs: [{ name: "team-keys" }],
            extractFrom: [{ headers: ["x-team-key"] }, { params: ["team_key"] }],
            forwardClientIDHeader: CLIENT_ID_HEADER,
            sanitize: true,
          },
        },
      ),
      rateLimitPolicyDoc("per-consumer", { route: "models" }, [
        {
          clientSelectors: [
            {
              headers: [
                { name: CLIENT_ID_HEADER, type: "Distinct" },
                { name: "x-ai-eg-model", value: "gpt-limited" },
              ],
            },
          ],
          limit: { requests: TOTAL * 2, unit: "Hour" },
          cost: tokenCost("llm_total_token"),
        },
      ]),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

const openai = (apiKey: string, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: headers });

const anthropic = (apiKey: string) =>
  new Anthropic({ apiKey, baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });

const ask = (client: Anthropic, model: string) =>
  client.messages.create({ model, max_tokens: 16, messages: [{ role: "user", content: "Hi" }] });

/** No key, in no header, body or log line the client sees. */
function assertNoKeyIn(text: string): void {
  for (const key of [...Object.values(KEYS), PROVIDER_KEY]) assert.ok(!text.includes(key), `${key} leaked`);
}

test("OPENAI_API_KEY=<consumer key> with the openai SDK: served; upstream gets the provider's key, the client id and the consumer's headers", async () => {
  const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
    const { response } = await chatWithResponse(openai(KEYS.alice), "gpt-big");
    assert.equal(response.status, 200);
  });
  assert.equal(sent.headers.authorization, `Bearer ${PROVIDER_KEY}`);
  assert.equal(sent.headers[CLIENT_ID_HEADER], "alice");
  assert.equal(sent.headers["x-tenant-id"], "acme");
  assert.equal(sent.headers["x-tier"], "gold");
  assert.ok(!JSON.stringify(sent.headers).includes(KEYS.alice), "the consumer's key never goes upstream");
  assert.equal(record.consumer, "alice");
  assert.equal(record.authRefused, false);
  assert.equal(record.error, undefined);
});

test("ANTHROPIC_API_KEY=<consumer key> with @anthropic-ai/sdk (x-api-key): served as that consumer", async () => {
  const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
    const message = await ask(anthropic(KEYS.bob), "gpt-small");
    assert.equal(message.type, "message");
  });
  assert.equal(sent.headers[CLIENT_ID_HEADER], "bob");
  assert.equal(sent.headers["x-tenant-id"], "globex");
  assert.equal(record.consumer, "bob");
});

test("a wrong key is the SDK's AuthenticationError (401) in the OpenAI envelope with a challenge; the key is not echoed", async () => {
  const before = upstream.requests.length;
  const records = gateway.records.length;
  const err = await refusedWith(chatWithResponse(openai("sk-consumer-mallory-9999"), "gpt-big"));
  assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
  assert.equal(err.status, 401);
  assert.deepEqual(err.error, {
    type: "Unauthorized",
    code: "401",
    message: "Client authentication failed.",
  });
  assert.equal(
    err.headers?.get("www-authenticate"),
    `Bearer realm="${gateway.url}/v1/chat/completions", error="invalid_token"`,
  );
  assert.ok(!JSON.stringify(err.error).includes("mallory"));
  assert.equal(upstream.requests.length, before, "a refused request never reaches the upstream");
  const [record] = (await gateway.waitForRecords(records + 1)).slice(records);
  assert.equal(record?.status, 401);
  assert.equal(record?.authRefused, true);
  assert.equal(record?.error, "unauthenticated");
  assert.equal(record?.consumer, undefined);
});

test("no key at all: 401 with a bare challenge, in the client API's own envelope", async () => {
  const raw = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: "gpt-big", messages: [{ role: "user", content: "Hi" }] },
  });
  assert.equal(raw.status, 401);
  assert.deepEqual(JSON.parse(raw.text), {
    type: "error",
    error: { type: "Unauthorized", code: "401", message: "Client authentication failed." },
  });
  assert.equal(raw.headers["www-authenticate"], `Bearer realm="${gateway.url}/v1/chat/completions"`);
  try {
    await ask(anthropic("sk-ant-wrong"), "gpt-small");
    assert.fail("expected a 401");
  } catch (err) {
    assert.ok(err instanceof Anthropic.AuthenticationError, String(err));
    assert.deepEqual(err.error, {
      type: "error",
      error: { type: "authentication_error", message: "Client authentication failed." },
    });
  }
});

test("spoofed identity headers are stripped: a consumer cannot claim another's id, tenant or tier", async () => {
  const spoofing = openai(KEYS.alice, {
    [CLIENT_ID_HEADER]: "bob",
    "x-tenant-id": "globex",
    "x-tier": "bronze",
  });
  const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
    await chatWithResponse(spoofing, "gpt-small");
  });
  assert.equal(sent.headers[CLIENT_ID_HEADER], "alice");
  assert.equal(sent.headers["x-tenant-id"], "acme");
  assert.equal(sent.headers["x-tier"], "gold");
  assert.equal(record.consumer, "alice");
  // bob claiming the gold tier is still bronze to authorization.
  const err = await refusedWith(chatWithResponse(openai(KEYS.bob, { "x-tier": "gold" }), "gpt-big"));
  assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
});

test("authorization on x-ai-eg-model limits the bronze tier to some models: 403 PermissionDeniedError, RBAC: access denied", async () => {
  const records = gateway.records.length;
  const before = upstream.requests.length;
  const err = await refusedWith(chatWithResponse(openai(KEYS.bob), "gpt-big"));
  assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
  assert.equal(err.status, 403);
  assert.deepEqual(err.error, { type: "Forbidden", code: "403", message: "RBAC: access denied" });
  assert.equal(upstream.requests.length, before);
  const [record] = (await gateway.waitForRecords(records + 1)).slice(records);
  assert.equal(record?.error, "forbidden");
  assert.equal(record?.authRefused, true);
  assert.equal(record?.consumer, "bob", "the consumer was known; authorization refused it");
  // The same consumer on an allowed model, and through the Anthropic SDK's envelope.
  assert.equal((await chatWithResponse(openai(KEYS.bob), "gpt-small")).response.status, 200);
  try {
    await ask(anthropic(KEYS.bob), "gpt-big");
    assert.fail("expected a 403");
  } catch (err) {
    assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
    assert.deepEqual(err.error, {
      type: "error",
      error: { type: "permission_error", message: "RBAC: access denied" },
    });
  }
});

test("an unknown model: 401 without a valid key (nothing learnt of the models), 404 with one", async () => {
  const withoutKey = await refusedWith(chatWithResponse(openai("sk-nobody"), "no-such-model"));
  assert.equal(withoutKey.status, 401);
  const withKey = await refusedWith(chatWithResponse(openai(KEYS.alice), "no-such-model"));
  assert.ok(withKey instanceof OpenAI.NotFoundError, String(withKey));
});

test("the model listing is behind the Gateway's policy, in each listing API's envelope", async () => {
  const models = await openai(KEYS.alice).models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ["gpt-big", "gpt-small", "gpt-limited", "team-model"],
  );
  const refused = await refusedWith(openai("sk-nobody").models.list());
  assert.ok(refused instanceof OpenAI.AuthenticationError);
  const anthropicListing = await sendRaw(`${gateway.url}/anthropic/v1/models`);
  assert.equal(anthropicListing.status, 401);
  assert.deepEqual(JSON.parse(anthropicListing.text), {
    type: "error",
    error: { type: "authentication_error", message: "Client authentication failed." },
  });
  // Authorization sees no model on a listing: bronze has no rule that admits it.
  const bronze = await refusedWith(openai(KEYS.bob).models.list());
  assert.ok(bronze instanceof OpenAI.PermissionDeniedError);
});

test("a route's own policy replaces the Gateway's: only the team's key, in its own header or query parameter, sanitized", async () => {
  const team = new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-team-key": KEYS.carol },
  });
  const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
    await chatWithResponse(team, "team-model");
  });
  assert.equal(sent.headers["x-team-key"], undefined, "sanitize removed the key");
  assert.equal(sent.headers[CLIENT_ID_HEADER], "carol");
  assert.equal(sent.headers["x-tenant-id"], undefined, "the Gateway's policy does not apply here");
  assert.equal(record.consumer, "carol");
  const byQuery = new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultQuery: { team_key: KEYS.carol },
  });
  const viaQuery = await observeOneRequest(gateway, upstream, async () => {
    await chatWithResponse(byQuery, "team-model");
  });
  assert.equal(viaQuery.record.consumer, "carol");
  assert.ok(!viaQuery.sent.url.includes(KEYS.carol), "the query string never goes upstream");
  // The Gateway's consumers have no key here, and the team's key opens nothing else.
  assert.equal((await refusedWith(chatWithResponse(openai(KEYS.alice), "team-model"))).status, 401);
  assert.equal((await refusedWith(chatWithResponse(team, "gpt-small"))).status, 401);
});

test("a token limit on the forwarded client id counts per authenticated consumer; a spoofed id does not escape it", async () => {
  const alice = openai(KEYS.alice);
  assert.equal((await chatWithResponse(alice, "gpt-limited")).response.status, 200);
  const second = await chatWithResponse(alice, "gpt-limited");
  assert.equal(second.response.headers.get("x-ratelimit-remaining"), String(TOTAL));
  const refusal = await refusedWith(chatWithResponse(alice, "gpt-limited"));
  assert.ok(refusal instanceof OpenAI.RateLimitError);
  const disguised = await refusedWith(
    chatWithResponse(openai(KEYS.alice, { [CLIENT_ID_HEADER]: "dave" }), "gpt-limited"),
  );
  assert.equal(disguised.status, 429, "alice claiming to be dave is still alice");
  const bob = await chatWithResponse(openai(KEYS.bob), "gpt-limited");
  assert.equal(bob.response.headers.get("x-ratelimit-remaining"), String(TOTAL * 2));
});

test("no refusal echoes a key, in its body or its headers", async () => {
  for (const response of [
    await sendRaw(`${gateway.url}/v1/chat/completions`, {
      headers: { authorization: "Bearer sk-consumer-guess" },
      body: { model: "gpt-big", messages: [{ role: "user", content: "Hi" }] },
    }),
    await sendRaw(`${gateway.url}/v1/chat/completions?team_key=sk-team-guess`, {
      body: { model: "team-model", messages: [{ role: "user", content: "Hi" }] },
    }),
  ]) {
    const everything = `${response.text} ${JSON.stringify(response.headers)}`;
    assertNoKeyIn(everything);
    assert.ok(!everything.includes("guess"), everything);
  }
});

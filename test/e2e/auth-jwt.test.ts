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
import { type JwksServer, startJwksServer } from "../support/jwks-server.js";
import {
  hs256WithPublicKey,
  nowSeconds,
  type SigningKey,
  signingKey,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  tamperedSignature,
  unsignedToken,
} from "../support/jwt-issuer.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { chatWithResponse, refusedWith } from "../support/sdk-calls.js";
import { securityPolicyDoc } from "../support/security-policy-yaml.js";
import { sendRaw } from "../support/send-raw.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * JWT consumers end to end: tokens signed here with real RS256 and ES256 keys, verified by the
 * gateway against a real JWKS endpoint; every refusal Envoy makes, in its words, through the
 * SDKs; claims forwarded as headers, counted by a token limit per tenant and used to route; scopes
 * and claims in authorization. Key rotation, with its one unknown-kid fetch per 30 s, is the last
 * test, on a gateway of its own.
 */

const TOTAL = FAKE_CHAT_USAGE.total_tokens;

let upstream: RecordingUpstream;
let acmeUpstream: RecordingUpstream;
let jwks: JwksServer;
let gateway: TestGateway;
let rsa: SigningKey;
let ec: SigningKey;

/** The Gateway's policy: tokens of TEST_ISSUER for TEST_AUDIENCE with scope chat; free tier only on gpt-mini. */
function jwtPolicy(uri: string) {
  return securityPolicyDoc(
    "jwt",
    { gateway: true },
    {
      jwt: {
        providers: [
          {
            name: "idp",
            issuer: TEST_ISSUER,
            audiences: [TEST_AUDIENCE],
            remoteJWKS: { uri },
            claimToHeaders: [
              { header: "x-tenant-id", claim: "org.tenant" },
              { header: "x-plan", claim: "plan" },
            ],
            recomputeRoute: true,
          },
        ],
      },
      authorization: {
        defaultAction: "Deny",
        rules: [
          {
            name: "free-plan-only-mini",
            action: "Deny",
            principal: {
              jwt: { provider: "idp", claims: [{ name: "plan", values: ["free"] }] },
              headers: [{ name: "x-ai-eg-model", values: ["gpt-4o"] }],
            },
          },
          { name: "chat-scope", action: "Allow", principal: { jwt: { provider: "idp", scopes: ["chat"] } } },
        ],
      },
    },
  );
}

function configFor(uri: string) {
  return configYaml(
    gatewayDocs(),
    openAIBackendDocs("up", upstream.url),
    openAIBackendDocs("acme-up", acmeUpstream.url),
    routeDoc("models", {
      rules: [
        {
          name: "acme",
          matches: [
            {
              headers: [
                { type: "Exact", name: "x-ai-eg-model", value: "gpt-4o" },
                { type: "Exact", name: "x-tenant-id", value: "acme" },
              ],
            },
          ],
          backendRefs: [{ name: "acme-up" }],
        },
        ...["gpt-4o", "gpt-mini", "gpt-limited"].map((model) => ({
          matches: [modelIs(model)],
          backendRefs: [{ name: "up" }],
        })),
      ],
      llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
    }),
    rateLimitPolicyDoc("per-tenant", { route: "models" }, [
      {
        clientSelectors: [
          {
            headers: [
              { name: "x-tenant-id", type: "Distinct" },
              { name: "x-ai-eg-model", value: "gpt-limited" },
            ],
          },
        ],
        limit: { requests: TOTAL * 2, unit: "Hour" },
        cost: tokenCost("llm_total_token"),
      },
    ]),
    jwtPolicy(uri),
  );
}

before(async () => {
  rsa = await signingKey("rsa-1");
  ec = await signingKey("ec-1", "ES256");
  upstream = await startFakeOpenAI();
  acmeUpstream = await startFakeOpenAI();
  jwks = await startJwksServer([rsa, ec]);
  gateway = await startTestGateway(configFor(jwks.uri));
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
  await acmeUpstream?.close();
  await jwks?.close();
});

/** A token of the `globex` tenant with scope chat, unless `claims` say otherwise. */
const token = (claims: Record<string, unknown> = {}, key: SigningKey = rsa) =>
  signToken(key, { sub: "user-1", scope: "chat embed", org: { tenant: "globex" }, plan: "pro", ...claims });

const openai = (jwt: string, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: jwt, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: headers });

/** What the gateway answers a chat with `authorization`: status, body and challenge. */
async function answer(authorization: string | undefined, model = "gpt-mini") {
  const raw = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    headers: authorization === undefined ? {} : { authorization },
    body: { model, messages: [{ role: "user", content: "Hi" }] },
  });
  const body = JSON.parse(raw.text) as { error?: { message?: string } };
  return { status: raw.status, message: body.error?.message, challenge: raw.headers["www-authenticate"] };
}

test("a valid token (RS256 or ES256) through the openai SDK: its claims go upstream as headers, its sub is the consumer", async () => {
  for (const key of [rsa, ec]) {
    const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
      const spoofing = openai(await token({}, key), { "x-tenant-id": "acme", "x-plan": "enterprise" });
      assert.equal((await chatWithResponse(spoofing, "gpt-mini")).response.status, 200);
    });
    assert.equal(sent.headers["x-tenant-id"], "globex", "the claim, not what the client sent");
    assert.equal(sent.headers["x-plan"], "pro");
    assert.equal(sent.headers.authorization, undefined, "the token is not sent upstream");
    assert.equal(record.consumer, "user-1");
    assert.equal(record.authRefused, false);
  }
});

test("every refusal in Envoy's words: 401 with an invalid_token challenge, 403 for the wrong audience", async () => {
  const now = nowSeconds();
  const realm = `Bearer realm="${gateway.url}/v1/chat/completions"`;
  const invalid = `${realm}, error="invalid_token"`;
  const cases: [string, string | undefined, number, string, string][] = [
    ["missing", undefined, 401, "Jwt is missing", realm],
    ["expired", `Bearer ${await token({ exp: now - 300 })}`, 401, "Jwt is expired", invalid],
    ["not yet valid", `Bearer ${await token({ nbf: now + 600 })}`, 401, "Jwt not yet valid", invalid],
    [
      "wrong issuer",
      `Bearer ${await token({ iss: "https://elsewhere.test" })}`,
      401,
      "Jwt issuer is not configured",
      invalid,
    ],
    [
      "wrong audience",
      `Bearer ${await token({ aud: "other" })}`,
      403,
      "Audiences in Jwt are not allowed",
      invalid,
    ],
    ["bad signature", `Bearer ${tamperedSignature(await token())}`, 401, "Jwt verification fails", invalid],
    [
      "alg none",
      `Bearer ${unsignedToken({ sub: "x", scope: "chat" })}`,
      401,
      "Jwt header [alg] is not supported",
      invalid,
    ],
    [
      "HS256 over the RSA public key",
      `Bearer ${await hs256WithPublicKey(rsa, { sub: "x", scope: "chat" })}`,
      401,
      "Jwt header [alg] is not supported",
      invalid,
    ],
    [
      "not a JWT",
      "Bearer not-a-jwt",
      401,
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
      invalid,
    ],
  ];
  for (const [what, authorization, status, message, challenge] of cases) {
    const got = await answer(authorization);
    assert.deepEqual(got, { status, message, challenge }, what);
  }
});

test("an unknown kid is refused; within 30 s of the last fetch it causes no other", async () => {
  const stranger = await signingKey("stranger");
  const records = gateway.records.length;
  const fetched = jwks.fetches;
  const got = await answer(`Bearer ${await token({}, stranger)}`);
  assert.deepEqual([got.status, got.message], [401, "Jwks doesn't have key to match kid or alg from Jwt"]);
  const [record] = (await gateway.waitForRecords(records + 1)).slice(records);
  assert.equal(record?.authRefused, true);
  assert.equal(record?.error, "unauthenticated");
  assert.equal(jwks.fetches, fetched);
});

test("through the SDKs: AuthenticationError and PermissionDeniedError in each API's envelope", async () => {
  const expired = await refusedWith(
    chatWithResponse(openai(await token({ exp: nowSeconds() - 300 })), "gpt-mini"),
  );
  assert.ok(expired instanceof OpenAI.AuthenticationError, String(expired));
  assert.deepEqual(expired.error, { type: "Unauthorized", code: "401", message: "Jwt is expired" });
  const claude = new Anthropic({
    authToken: await token({ aud: "other" }),
    apiKey: null,
    baseURL: `${gateway.url}/anthropic`,
    maxRetries: 0,
  });
  try {
    await claude.messages.create({
      model: "gpt-mini",
      max_tokens: 8,
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.fail("expected a 403");
  } catch (err) {
    assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
    assert.deepEqual(err.error, {
      type: "error",
      error: { type: "permission_error", message: "Audiences in Jwt are not allowed" },
    });
  }
});

test("authorization by claims and scopes: no chat scope is denied; the free plan may not use gpt-4o", async () => {
  const noScope = await refusedWith(chatWithResponse(openai(await token({ scope: "embed" })), "gpt-mini"));
  assert.ok(noScope instanceof OpenAI.PermissionDeniedError);
  assert.equal(noScope.message, "403 RBAC: access denied");
  const free = await token({ plan: "free", sub: "free-user" });
  const denied = await refusedWith(chatWithResponse(openai(free), "gpt-4o"));
  assert.ok(denied instanceof OpenAI.PermissionDeniedError);
  assert.equal((await chatWithResponse(openai(free), "gpt-mini")).response.status, 200);
  assert.equal((await chatWithResponse(openai(await token()), "gpt-4o")).response.status, 200);
});

test("a claim header routes (recomputeRoute): the acme tenant's gpt-4o goes to its own backend, a spoofed tenant header does not", async () => {
  const acme = await observeOneRequest(gateway, acmeUpstream, async () => {
    await chatWithResponse(openai(await token({ org: { tenant: "acme" } })), "gpt-4o");
  });
  assert.equal(acme.record.rule, "acme");
  const spoofed = await observeOneRequest(gateway, upstream, async () => {
    await chatWithResponse(openai(await token(), { "x-tenant-id": "acme" }), "gpt-4o");
  });
  assert.notEqual(spoofed.record.rule, "acme");
  assert.equal(spoofed.sent.headers["x-tenant-id"], "globex");
});

test("a token limit on a claim header counts per tenant: two answers, then 429, another tenant unaffected", async () => {
  const initech = openai(await token({ org: { tenant: "initech" }, sub: "a" }));
  const colleague = openai(await token({ org: { tenant: "initech" }, sub: "b" }));
  assert.equal((await chatWithResponse(initech, "gpt-limited")).response.status, 200);
  assert.equal((await chatWithResponse(colleague, "gpt-limited")).response.status, 200);
  const refused = await refusedWith(chatWithResponse(initech, "gpt-limited"));
  assert.ok(refused instanceof OpenAI.RateLimitError, String(refused));
  const other = await chatWithResponse(openai(await token({ org: { tenant: "umbrella" } })), "gpt-limited");
  assert.equal(other.response.headers.get("x-ratelimit-remaining"), String(TOTAL * 2));
});

test("the key set is fetched once and reused; a token seen before is not verified again", async () => {
  const fetched = jwks.fetches;
  const jwt = await token({ sub: "repeat" });
  for (let i = 0; i < 5; i++) assert.equal((await answer(`Bearer ${jwt}`)).status, 200);
  assert.equal(jwks.fetches, fetched, "keys in hand: no fetch");
});

test("key rotation: a new kid is picked up after the 30 s cooldown, a removed key is refused after the refresh, one unknown-kid fetch per 30 s", async (t) => {
  const k1 = await signingKey("rot-1");
  const k2 = await signingKey("rot-2");
  const stranger = await signingKey("rot-unknown");
  const server = await startJwksServer([k1]);
  const own = await startTestGateway(configFor(server.uri));
  t.after(async () => {
    await own.close();
    await server.close();
  });
  t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
  const status = async (key: SigningKey, claims: Record<string, unknown> = {}) => {
    const raw = await sendRaw(`${own.url}/v1/chat/completions`, {
      headers: { authorization: `Bearer ${await token(claims, key)}` },
      body: { model: "gpt-mini", messages: [{ role: "user", content: "Hi" }] },
    });
    return raw.status === 200
      ? 200
      : `${raw.status} ${(JSON.parse(raw.text) as { error: { message: string } }).error.message}`;
  };
  const NO_KEY = "401 Jwks doesn't have key to match kid or alg from Jwt";

  const old = await token({ sub: "old" }, k1);
  const withOld = () =>
    sendRaw(`${own.url}/v1/chat/completions`, {
      headers: { authorization: `Bearer ${old}` },
      body: { model: "gpt-mini", messages: [{ role: "user", content: "Hi" }] },
    }).then((r) => r.status);
  assert.equal(await withOld(), 200);
  assert.equal(server.fetches, 1);

  server.setKeys([k1, k2]);
  assert.equal(await status(k2), NO_KEY, "within 30 s of the last fetch an unknown kid is not fetched for");
  assert.equal(server.fetches, 1);
  t.mock.timers.tick(31_000);
  assert.equal(await status(k2), 200, "after the cooldown the unknown kid fetches the set, which has it");
  assert.equal(server.fetches, 2);

  server.setKeys([k2]);
  t.mock.timers.tick(31_000);
  assert.equal(await withOld(), 200, "the old key's verified token still passes: nothing has been fetched");
  assert.equal(await status(stranger), NO_KEY, "an unknown kid fetches the set once");
  assert.equal(server.fetches, 3);
  assert.equal(await withOld(), 401, "the set without k1 arrived: k1's token is verified again and refused");
  assert.equal(await status(k1), NO_KEY);
  for (let i = 0; i < 3; i++) assert.equal(await status(stranger), NO_KEY);
  assert.equal(server.fetches, 3, "no more fetches within the cooldown, however many unknown kids");
  const reused = await token({ sub: "k2-user" }, k2);
  const withReused = () =>
    sendRaw(`${own.url}/v1/chat/completions`, {
      headers: { authorization: `Bearer ${reused}` },
      body: { model: "gpt-mini", messages: [{ role: "user", content: "Hi" }] },
    }).then((r) => r.status);
  assert.equal(await withReused(), 200);

  // Past cacheDuration (300 s) a verified token's next use refreshes the keys in the background.
  t.mock.timers.tick(301_000);
  assert.equal(await withReused(), 200, "served from the cache while the keys are fetched");
  const deadline = performance.now() + 5000;
  while (server.fetches < 4 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.fetches, 4);
});

import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
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
 * SecurityPolicies on routes only, no Gateway policy: a route no policy applies to keeps today's
 * behaviour (client headers pass as sent, even ones another route's policy produces; no listing
 * or 404 guard); a route guarded by kind AIGatewayRoute; and a route whose rules match on a header
 * the policy produces is matched again with the verified value, so a spoofed tier cannot pick the
 * premium backend; when that lands on a route with another policy, that one is checked as well.
 */

let basic: RecordingUpstream;
let premium: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  basic = await startFakeOpenAI();
  premium = await startFakeOpenAI();
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("basic", basic.url),
      openAIBackendDocs("premium", premium.url),
      // Listed first, so a request claiming the gold tier matches it before tier-select.
      routeDoc("gold-lane", {
        rules: [
          {
            matches: [
              {
                headers: [
                  { type: "Exact", name: "x-ai-eg-model", value: "lane-model" },
                  { type: "Exact", name: "x-tier", value: "gold" },
                ],
              },
            ],
            backendRefs: [{ name: "premium" }],
          },
        ],
      }),
      routeDoc("tier-select", {
        rules: [{ matches: [modelIs("lane-model")], backendRefs: [{ name: "basic" }] }],
      }),
      routeDoc("open", { rules: [{ matches: [modelIs("open-model")], backendRefs: [{ name: "basic" }] }] }),
      routeDoc("guarded", {
        rules: [{ matches: [modelIs("guarded-model")], backendRefs: [{ name: "basic" }] }],
      }),
      routeDoc("tiered", {
        rules: [
          {
            name: "gold",
            matches: [
              {
                headers: [
                  { type: "Exact", name: "x-ai-eg-model", value: "tiered-model" },
                  { type: "Exact", name: "x-tier", value: "gold" },
                ],
              },
            ],
            backendRefs: [{ name: "premium" }],
          },
          { name: "others", matches: [modelIs("tiered-model")], backendRefs: [{ name: "basic" }] },
        ],
      }),
      apiKeySecretDoc(
        "keys",
        { alice: "key-alice", bob: "key-bob" },
        { alice: { "x-tier": "gold" }, bob: { "x-tier": "bronze" } },
      ),
      securityPolicyDoc("guard", { aiGatewayRoute: "guarded" }, { apiKeyAuth: apiKeyAuth("keys") }),
      securityPolicyDoc("tiers", { route: "tiered" }, { apiKeyAuth: apiKeyAuth("keys") }),
      securityPolicyDoc("lane", { route: "tier-select" }, { apiKeyAuth: apiKeyAuth("keys") }),
      securityPolicyDoc(
        "gold-lane",
        { route: "gold-lane" },
        { apiKeyAuth: apiKeyAuth("keys", { forwardClientIDHeader: "x-gold-client" }) },
      ),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await basic?.close();
  await premium?.close();
});

const openai = (apiKey: string, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: headers });

test("a route no SecurityPolicy applies to passes client headers as sent, even ones another route's policy produces", async () => {
  const { sent, record } = await observeOneRequest(gateway, basic, async () => {
    await chatWithResponse(openai("anything", { [CLIENT_ID_HEADER]: "bob", "x-tier": "gold" }), "open-model");
  });
  assert.equal(sent.headers[CLIENT_ID_HEADER], "bob");
  assert.equal(sent.headers["x-tier"], "gold");
  assert.equal(record.consumer, undefined);
});

test("a policy aimed at the AIGatewayRoute itself guards it", async () => {
  assert.equal((await refusedWith(chatWithResponse(openai("key-nobody"), "guarded-model"))).status, 401);
  const { sent, record } = await observeOneRequest(gateway, basic, async () => {
    await chatWithResponse(openai("key-alice", { [CLIENT_ID_HEADER]: "bob" }), "guarded-model");
  });
  assert.equal(sent.headers[CLIENT_ID_HEADER], "alice");
  assert.equal(record.consumer, "alice");
});

test("without a Gateway policy the listing and unknown models answer as before: 200 and 404 without a key", async () => {
  assert.equal((await sendRaw(`${gateway.url}/v1/models`)).status, 200);
  const unknown = await refusedWith(chatWithResponse(openai("key-nobody"), "no-such-model"));
  assert.ok(unknown instanceof OpenAI.NotFoundError, String(unknown));
});

test("routing by a produced header uses the verified value: bronze claiming gold is matched again and gets the basic backend", async () => {
  const gold = await observeOneRequest(gateway, premium, async () => {
    await chatWithResponse(openai("key-alice"), "tiered-model");
  });
  assert.equal(gold.record.rule, "gold");
  const spoofed = await observeOneRequest(gateway, basic, async () => {
    await chatWithResponse(openai("key-bob", { "x-tier": "gold" }), "tiered-model");
  });
  assert.equal(spoofed.record.rule, "others");
  assert.equal(spoofed.sent.headers["x-tier"], "bronze");
  assert.equal(spoofed.record.consumer, "bob");
});

test("matched again onto a route with another policy, that policy is checked too", async () => {
  const gold = await observeOneRequest(gateway, premium, async () => {
    await chatWithResponse(openai("key-alice"), "lane-model");
  });
  assert.equal(gold.record.route, "default/gold-lane");
  assert.equal(gold.sent.headers[CLIENT_ID_HEADER], "alice", "the first route's policy ran");
  assert.equal(gold.sent.headers["x-gold-client"], "alice", "and the gold lane's");
  const spoofed = await observeOneRequest(gateway, basic, async () => {
    await chatWithResponse(openai("key-bob", { "x-tier": "gold" }), "lane-model");
  });
  assert.equal(spoofed.record.route, "default/tier-select");
  assert.equal(spoofed.sent.headers[CLIENT_ID_HEADER], "bob");
  assert.equal(spoofed.sent.headers["x-tier"], "bronze");
  assert.equal(spoofed.record.consumer, "bob");
  assert.equal((await refusedWith(chatWithResponse(openai("key-nobody"), "lane-model"))).status, 401);
});

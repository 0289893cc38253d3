import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

let upstream: RecordingUpstream;
let gw: TestGateway;

/** A BackendSecurityPolicy of type APIKey with credentialOverride.fromRequestHeaders. */
const overridePolicy = (backend: string, fallbackToConfigured: boolean) => ({
  apiVersion: "aigateway.envoyproxy.io/v1beta1",
  kind: "BackendSecurityPolicy",
  metadata: { name: `${backend}-policy`, namespace: "default" },
  spec: {
    targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: backend }],
    type: "APIKey",
    apiKey: { secretRef: { name: `${backend}-key` } },
    credentialOverride: { fromRequestHeaders: { fallbackToConfigured } },
  },
});
const secret = (name: string, key: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: "default" },
  stringData: { apiKey: key },
});

before(async () => {
  upstream = await startRecordingUpstream((req, res) => {
    // "hang" never answers: the gateway's rule timeout must end the exchange.
    if (JSON.parse(req.body.toString()).model === "hang") return;
    return fakeOpenAIHandler(req, res);
  });
  gw = await startTestGateway(
    configYaml(
      gatewayDocs(),
      routeDoc("r", {
        rules: [
          { matches: [modelIs("hang")], backendRefs: [{ name: "plain" }], timeouts: { request: "300ms" } },
          { matches: [modelIs("override")], backendRefs: [{ name: "with-fallback" }] },
          { matches: [modelIs("override-only")], backendRefs: [{ name: "no-fallback" }] },
          { matches: [modelIs("plain")], backendRefs: [{ name: "plain" }] },
        ],
      }),
      openAIBackendDocs("plain", upstream.url),
      openAIBackendDocs("with-fallback", upstream.url),
      openAIBackendDocs("no-fallback", upstream.url),
      secret("with-fallback-key", "configured-key"),
      secret("no-fallback-key", "unused-key"),
      overridePolicy("with-fallback", true),
      overridePolicy("no-fallback", false),
    ),
  );
});

after(async () => {
  await gw.close();
  await upstream.close();
});

const chat = (model: string, headers: Record<string, string> = {}) =>
  sendRaw(`${gw.url}/v1/chat/completions`, {
    body: { model, messages: [{ role: "user", content: "hi" }] },
    headers,
  });

test("a rule's request timeout ends a silent upstream with 504 in the OpenAI envelope", async () => {
  const res = await chat("hang");
  assert.equal(res.status, 504);
  assert.deepEqual(JSON.parse(res.text), {
    type: "error",
    error: { type: "GatewayTimeout", code: "504", message: "upstream request timeout" },
  });
  assert.equal(await upstream.requests.at(-1)!.outcome, "aborted", "the upstream request was cancelled");
});

test("credentialOverride: the client's x-aigw-api-key is used upstream and never forwarded", async () => {
  const res = await chat("override", { "x-aigw-api-key": "client-key", authorization: "Bearer client-auth" });
  assert.equal(res.status, 200, res.text);
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.headers.authorization, "Bearer client-key");
  assert.equal(sent.headers["x-aigw-api-key"], undefined);
});

test("credentialOverride with fallback: without the header the configured key is used", async () => {
  const res = await chat("override");
  assert.equal(res.status, 200, res.text);
  assert.equal(upstream.requests.at(-1)!.headers.authorization, "Bearer configured-key");
});

test("credentialOverride without fallback: no header means 401 and no upstream request", async () => {
  const count = upstream.requests.length;
  const res = await chat("override-only");
  assert.equal(res.status, 401);
  assert.deepEqual(JSON.parse(res.text), {
    type: "error",
    error: { type: "Unauthorized", code: "401", message: "missing upstream credential" },
  });
  assert.equal(upstream.requests.length, count);
});

test("a backend without a security policy receives none of the client's credentials", async () => {
  const res = await chat("plain", { authorization: "Bearer client-secret", "x-api-key": "client-secret" });
  assert.equal(res.status, 200, res.text);
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.headers.authorization, undefined);
  assert.equal(sent.headers["x-api-key"], undefined);
});

import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type FakeGcpToken, gcpPolicyDocs, startFakeGcpToken } from "../support/fake-gcp-token.js";
import {
  type FakeVertexAnthropic,
  startFakeVertexAnthropic,
  vertexAnthropicBackendDocs,
} from "../support/fake-vertex-anthropic.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { startTestGateway } from "../support/start-test-gateway.js";

/**
 * How a GCPCredentials policy is read when the configuration loads: a key file that cannot be used
 * fails the load (without showing the key), GOOGLE_APPLICATION_CREDENTIALS stands in for a missing
 * credentialsFile, and workload identity federation, validated but not implemented, answers clearly.
 */

const LOCATION = { projectName: "aigw-vertex-test", region: "europe-west1" };
const CLAUDE = "claude-haiku-4-5@20251001";

let tokens: FakeGcpToken;
let vertex: FakeVertexAnthropic;
let dir: string;

before(async () => {
  tokens = await startFakeGcpToken();
  vertex = await startFakeVertexAnthropic({ ...LOCATION, isValidToken: (t) => tokens.isValid(t) });
  dir = await mkdtemp(join(tmpdir(), "aigw-gcp-"));
});

after(async () => {
  await vertex?.close();
  await tokens?.close();
  await rm(dir, { recursive: true, force: true });
});

const route = routeDoc("vertex", {
  rules: [{ matches: [modelIs(CLAUDE)], backendRefs: [{ name: "claude-vertex" }] }],
});

/** The GCPCredentials policy of claude-vertex with `gcpCredentials` as given (no Secret). */
function policyDoc(gcpCredentials: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "aigateway.envoyproxy.io/v1beta1",
    kind: "BackendSecurityPolicy",
    metadata: { name: "claude-vertex-gcp", namespace: "default" },
    spec: {
      targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "claude-vertex" }],
      type: "GCPCredentials",
      gcpCredentials,
    },
  };
}

test("a key file without a usable private key fails the configuration load without showing the key", async () => {
  const broken = JSON.parse(tokens.account.keyFile) as Record<string, unknown>;
  broken.private_key = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1icm9rZW4=\n-----END PRIVATE KEY-----\n";
  const account = { ...tokens.account, keyFile: JSON.stringify(broken) };
  await assert.rejects(
    startTestGateway(
      configYaml(
        gatewayDocs(),
        vertexAnthropicBackendDocs("claude-vertex", vertex.url),
        gcpPolicyDocs("claude-vertex", account, LOCATION),
        route,
      ),
    ),
    (err: Error) => {
      assert.match(err.message, /the private_key of the GCP service account key file is not a PEM key/);
      assert.ok(!err.message.includes("c2VjcmV0LWJ1dC1icm9rZW4"));
      return true;
    },
  );
});

test("without a credentialsFile, the key file GOOGLE_APPLICATION_CREDENTIALS names is used", async () => {
  const path = join(dir, "service-account.json");
  await writeFile(path, tokens.account.keyFile);
  const gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      vertexAnthropicBackendDocs("claude-vertex", vertex.url),
      policyDoc(LOCATION),
      route,
    ),
    { env: { GOOGLE_APPLICATION_CREDENTIALS: path } },
  );
  try {
    const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    const before = vertex.calls.length;
    await client.messages.create({
      model: CLAUDE,
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    });
    const call = vertex.calls[before];
    assert.equal(call?.region, "europe-west1");
    assert.ok(call && tokens.isValid(call.token));
  } finally {
    await gateway.close();
  }
});

test("without any credential source, requests are answered 500 saying what is missing", async () => {
  const gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      vertexAnthropicBackendDocs("claude-vertex", vertex.url),
      policyDoc(LOCATION),
      route,
    ),
    { env: {} },
  );
  try {
    const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    const err = await client.messages
      .create({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.InternalServerError);
    assert.match(err.message, /GOOGLE_APPLICATION_CREDENTIALS is not set/);
  } finally {
    await gateway.close();
  }
});

test("workloadIdentityFederationConfig is validated but answered 'not supported yet' at request time", async () => {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "oidc-client", namespace: "default" },
    type: "Opaque",
    stringData: { "client-secret": "shh" },
  };
  const wif = policyDoc({
    ...LOCATION,
    workloadIdentityFederationConfig: {
      projectID: "123456789",
      workloadIdentityPoolName: "pool",
      workloadIdentityProviderName: "provider",
      oidcExchangeToken: {
        oidc: {
          provider: { issuer: "https://issuer.example.com" },
          clientID: "aigw",
          clientSecret: { name: "oidc-client" },
        },
      },
    },
  });
  const gateway = await startTestGateway(
    configYaml(gatewayDocs(), vertexAnthropicBackendDocs("claude-vertex", vertex.url), secret, wif, route),
  );
  try {
    const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    const before = vertex.requests.length;
    const err = await client.messages
      .create({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.InternalServerError);
    assert.match(
      err.message,
      /workloadIdentityFederationConfig is not supported by aigw yet; use credentialsFile/,
    );
    assert.equal(vertex.requests.length, before);
  } finally {
    await gateway.close();
  }
});

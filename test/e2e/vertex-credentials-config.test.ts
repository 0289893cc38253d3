import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type FakeGcpFederation, startFakeGcpFederation } from "../support/fake-gcp-federation.js";
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
 * credentialsFile, and workload identity federation (OIDC client credentials, Google's STS, service
 * account impersonation) against fakes of each leg.
 */

const LOCATION = { projectName: "aigw-vertex-test", region: "europe-west1" };
const CLAUDE = "claude-haiku-4-5@20251001";

let tokens: FakeGcpToken;
let vertex: FakeVertexAnthropic;
let dir: string;
/** Federation fakes the tests started, closed at the end. */
const federationTokens: FakeGcpFederation[] = [];

before(async () => {
  tokens = await startFakeGcpToken();
  vertex = await startFakeVertexAnthropic({
    ...LOCATION,
    isValidToken: (t) => tokens.isValid(t) || federationTokens.some((f) => f.isValid(t)),
  });
  dir = await mkdtemp(join(tmpdir(), "aigw-gcp-"));
});

after(async () => {
  await vertex?.close();
  await tokens?.close();
  await rm(dir, { recursive: true, force: true });
  for (const federation of federationTokens) await federation.close();
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

const WIF = {
  projectID: "123456789012",
  workloadIdentityPoolName: "aigw-pool",
  workloadIdentityProviderName: "aigw-oidc",
};
const SERVICE_ACCOUNT = `vertex-caller@${LOCATION.projectName}.iam.gserviceaccount.com`;

/** A gateway whose claude-vertex backend authenticates by workload identity federation against `federation`. */
async function federatedGateway(federation: FakeGcpFederation, impersonate: boolean) {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "oidc-client", namespace: "default" },
    type: "Opaque",
    stringData: { "client-secret": "oidc-client-secret" },
  };
  const policy = policyDoc({
    ...LOCATION,
    workloadIdentityFederationConfig: {
      ...WIF,
      ...(impersonate ? { serviceAccountImpersonation: { serviceAccountName: "vertex-caller" } } : {}),
      oidcExchangeToken: {
        oidc: {
          provider: { issuer: federation.issuer },
          clientID: "aigw-client",
          clientSecret: { name: "oidc-client" },
        },
      },
    },
  });
  return startTestGateway(
    configYaml(gatewayDocs(), vertexAnthropicBackendDocs("claude-vertex", vertex.url), secret, policy, route),
    {
      env: {
        AIGW_GCP_STS_URL: federation.stsUrl,
        AIGW_GCP_IAM_CREDENTIALS_URL: federation.iamCredentialsUrl,
      },
    },
  );
}

async function startFederation(): Promise<FakeGcpFederation> {
  return startFakeGcpFederation({
    clientID: "aigw-client",
    clientSecret: "oidc-client-secret",
    audience: `//iam.googleapis.com/projects/${WIF.projectID}/locations/global/workloadIdentityPools/${WIF.workloadIdentityPoolName}/providers/${WIF.workloadIdentityProviderName}`,
    serviceAccount: SERVICE_ACCOUNT,
  });
}

for (const impersonate of [true, false]) {
  test(`workload identity federation ${impersonate ? "with" : "without"} service account impersonation: OIDC client token -> STS${impersonate ? " -> generateAccessToken" : ""}, cached`, async () => {
    const federation = await startFederation();
    federationTokens.push(federation);
    const gateway = await federatedGateway(federation, impersonate);
    try {
      const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
      const before = vertex.calls.length;
      for (let i = 0; i < 2; i++)
        await client.messages.create({
          model: CLAUDE,
          max_tokens: 16,
          messages: [{ role: "user", content: "hi" }],
        });
      const used = vertex.calls.slice(before).map((c) => c.token);
      const expected = impersonate ? federation.issued.serviceAccount : federation.issued.sts;
      assert.equal(federation.issued.oidc.length, 1);
      assert.equal(federation.issued.sts.length, 1);
      assert.equal(federation.issued.serviceAccount.length, impersonate ? 1 : 0);
      assert.deepEqual(used, [expected[0], expected[0]], "both requests carried the one final token");
    } finally {
      await gateway.close();
    }
  });
}

test("workload identity federation: a refusing STS answers 502 naming it, and is asked again next time", async () => {
  const federation = await startFederation();
  federationTokens.push(federation);
  federation.failNextSts(
    400,
    "invalid_grant",
    "The audience in ID Token does not match the expected audience.",
  );
  const gateway = await federatedGateway(federation, true);
  try {
    const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    const ask = () =>
      client.messages.create({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    const err = await ask().catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 502);
    assert.match(
      err.message,
      /Google's STS http:\/\/127\.0\.0\.1:\d+\/v1\/token answered 400: invalid_grant \(The audience in ID Token does not match/,
    );
    assert.ok(!err.message.includes("oidc-client-secret"));
    await ask();
    assert.equal(federation.issued.serviceAccount.length, 1);
  } finally {
    await gateway.close();
  }
});

test("workload identity federation: an OIDC client Secret without client-secret fails the configuration load", async () => {
  const federation = await startFederation();
  federationTokens.push(federation);
  const policy = policyDoc({
    ...LOCATION,
    workloadIdentityFederationConfig: {
      ...WIF,
      oidcExchangeToken: {
        oidc: {
          provider: { issuer: federation.issuer },
          clientID: "aigw-client",
          clientSecret: { name: "nowhere" },
        },
      },
    },
  });
  await assert.rejects(
    startTestGateway(
      configYaml(gatewayDocs(), vertexAnthropicBackendDocs("claude-vertex", vertex.url), policy, route),
    ),
    /the OIDC client Secret default\/nowhere has no client-secret/,
  );
});

import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { createGcpCredentialInjector } from "../../src/credentials/gcp/create-gcp-credential-injector.js";
import { startGateway } from "../../src/gateway/start-gateway.js";
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
async function federatedGateway(
  federation: FakeGcpFederation,
  impersonate: boolean,
  env: Record<string, string> = {},
) {
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
        ...env,
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

test("workload identity federation: an AIGW_GCP_STS_URL that is not an http(s) URL fails the configuration load, naming it", async () => {
  const federation = await startFederation();
  federationTokens.push(federation);
  for (const [value, message] of [
    ["sts.internal:8443", /AIGW_GCP_STS_URL must be an http\(s\) URL, not "sts.internal:8443"/],
    ["not a url", /AIGW_GCP_STS_URL is not a URL: "not a url"/],
  ] as const) {
    await assert.rejects(federatedGateway(federation, false, { AIGW_GCP_STS_URL: value }), message);
  }
});

test("a configuration reload keeps the policy's token: no second exchange", async () => {
  const reloadTokens = await startFakeGcpToken();
  const reloadVertex = await startFakeVertexAnthropic({
    ...LOCATION,
    isValidToken: (t) => reloadTokens.isValid(t),
  });
  const file = join(dir, "reload.yaml");
  const configFor = (alias: string) =>
    configYaml(
      gatewayDocs(),
      vertexAnthropicBackendDocs("claude-vertex", reloadVertex.url),
      gcpPolicyDocs("claude-vertex", reloadTokens.account, LOCATION),
      routeDoc("vertex", {
        rules: [{ matches: [modelIs(CLAUDE), modelIs(alias)], backendRefs: [{ name: "claude-vertex" }] }],
      }),
    );
  await writeFile(file, configFor("alias-a"));
  const gateway = await startGateway({
    configPaths: [file],
    port: 0,
    adminPort: 0,
    host: "127.0.0.1",
    accessLog: false,
    log: () => {},
  });
  try {
    const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    const ask = (model: string) =>
      client.messages.create({ model, max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    await ask("alias-a");
    const generation = gateway.generation();
    await writeFile(file, configFor("alias-b"));
    const deadline = Date.now() + 10_000;
    while (gateway.generation() === generation && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(gateway.generation() > generation, "reloaded");
    await ask("alias-b");
    assert.equal(reloadTokens.issued.length, 1, "one exchange across the reload");
    assert.deepEqual(
      reloadVertex.calls.map((c) => c.token),
      [reloadTokens.issued[0]?.value, reloadTokens.issued[0]?.value],
    );
  } finally {
    await gateway.close();
    await reloadVertex.close();
    await reloadTokens.close();
  }
});

test("credentialOverride: a client's own access token in x-aigw-gcp-access-token is sent instead, and not forwarded", async () => {
  const policy = gcpPolicyDocs("claude-vertex", tokens.account, LOCATION);
  const bsp = policy[1] as { spec: Record<string, unknown> };
  bsp.spec.credentialOverride = { fromRequestHeaders: { fallbackToConfigured: false } };
  const gateway = await startTestGateway(
    configYaml(gatewayDocs(), vertexAnthropicBackendDocs("claude-vertex", vertex.url), policy, route),
  );
  try {
    // A token the fake token endpoint issued to someone else (the client), not to the gateway.
    const clientToken = await clientAccessToken();
    const issued = tokens.issued.length;
    const client = new Anthropic({ apiKey: "x", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
    const before = vertex.calls.length;
    await client.messages.create(
      { model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] },
      { headers: { "x-aigw-gcp-access-token": clientToken } },
    );
    const call = vertex.calls[before];
    assert.equal(call?.token, clientToken);
    assert.equal(call?.request.headers["x-aigw-gcp-access-token"], undefined);
    assert.equal(tokens.issued.length, issued, "the gateway fetched no token of its own");
    const missing = await client.messages
      .create({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(missing instanceof Anthropic.AuthenticationError, "no fallback: 401 without the header");
  } finally {
    await gateway.close();
  }
});

/** An access token from the fake token endpoint, obtained the way a client's own tooling would. */
async function clientAccessToken(): Promise<string> {
  const injector = createGcpCredentialInjector(
    { ...LOCATION, serviceAccountKey: tokens.account.keyFile },
    { shareTokens: false },
  );
  const req = {
    method: "POST",
    path: "/x",
    authority: "x",
    headers: {} as Record<string, string>,
    body: "",
    clientHeaders: {},
  };
  await injector.inject(req);
  return String(req.headers.authorization).replace(/^Bearer /, "");
}

import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import {
  AZURE_CHAT_TEXT,
  azureBackendDocs,
  type FakeAzureOpenAI,
  startFakeAzureOpenAI,
} from "../support/fake-azure-openai.js";
import { type FakeEntra, startFakeEntra } from "../support/fake-entra-token.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { cleanEnv, runAigw, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";
import { TEST_CA_PATH } from "../support/tls-fixtures.js";
import { waitFor } from "../support/wait-for.js";

/**
 * AzureCredentials end to end: `aigw run` as a child process (NODE_EXTRA_CA_CERTS is read only at
 * process start) with AZURE_AUTHORITY_HOST pointing at a fake Entra token endpoint over https, whose
 * certificate only the test CA vouches for. The fake Azure OpenAI accepts only unexpired bearer
 * tokens that fake Entra issued, so every request shows the gateway fetched, cached and refreshed
 * them correctly; the official OpenAI SDK is the client.
 */

const EPHEMERAL = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--no-access-log"];
const API_VERSION = "2024-10-21";
const TENANT = "3f1c2b9e-aigw-test-tenant";
const APP = { clientID: "aigw-app", clientSecret: "app-secret~Value.0123456789" };
const FLAKY = { clientID: "aigw-flaky", clientSecret: "flaky-secret~Value.9876543210" };
const WRONG_SECRET = "not-the-app-secret~0000";
/** Token lifetime: short, so the test sees a refresh (at half of it) without waiting long. */
const EXPIRES_IN = 4;

let dir: string;
let configFile: string;
let entra: FakeEntra;
let azure: FakeAzureOpenAI;
let aigw: ServingAigw;
let client: OpenAI;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "aigw-entra-"));
  entra = await startFakeEntra({ tenantID: TENANT, clients: [APP, FLAKY], expiresIn: EXPIRES_IN });
  azure = await startFakeAzureOpenAI({
    apiVersion: API_VERSION,
    deployments: { "gpt-4o-prod": "gpt-4o-2024-08-06" },
    acceptsToken: (token) => entra.accepts(token),
  });
  configFile = join(dir, "config.yaml");
  await writeFile(
    configFile,
    configYaml(
      gatewayDocs(),
      azureBackendDocs("azure", azure.url, { version: API_VERSION, entra: { tenantID: TENANT, ...APP } }),
      azureBackendDocs("azure-flaky", azure.url, {
        version: API_VERSION,
        entra: { tenantID: TENANT, ...FLAKY },
      }),
      azureBackendDocs("azure-wrong-secret", azure.url, {
        version: API_VERSION,
        entra: { tenantID: TENANT, clientID: APP.clientID, clientSecret: WRONG_SECRET },
      }),
      routeDoc("azure", {
        rules: [
          {
            matches: [modelIs("gpt-4o")],
            backendRefs: [{ name: "azure", modelNameOverride: "gpt-4o-prod" }],
          },
          {
            matches: [modelIs("flaky")],
            backendRefs: [{ name: "azure-flaky", modelNameOverride: "gpt-4o-prod" }],
          },
          {
            matches: [modelIs("wrong-secret")],
            backendRefs: [{ name: "azure-wrong-secret", modelNameOverride: "gpt-4o-prod" }],
          },
        ],
      }),
    ),
  );
  aigw = await serveAigw([configFile, ...EPHEMERAL], entraEnv(entra.url, TEST_CA_PATH));
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${aigw.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await azure?.close();
  await entra?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A clean environment with the authority host and, when given, the extra CA file. */
function entraEnv(authority: string, caFile: string | undefined): NodeJS.ProcessEnv {
  const env = cleanEnv({ AZURE_AUTHORITY_HOST: authority });
  delete env.NODE_EXTRA_CA_CERTS;
  if (caFile !== undefined) env.NODE_EXTRA_CA_CERTS = caFile;
  return env;
}

function chat(model: string, content = "Say hello in French.") {
  return client.chat.completions.create({ model, messages: [{ role: "user", content }] });
}

function bearerOf(index: number): string | undefined {
  return /^Bearer (.+)$/.exec(azure.requests[index]?.headers.authorization ?? "")?.[1];
}

const appTokens = () => entra.issued.filter((t) => t.clientID === APP.clientID);

test("concurrent first requests share one token request; the token is Entra's, sent as a bearer", async () => {
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => chat("gpt-4o", `hello ${i}`)));
  for (const answer of answers) assert.equal(answer.choices[0]?.message.content, AZURE_CHAT_TEXT);
  assert.equal(appTokens().length, 1, "one token for eight requests");
  const tokenRequests = entra.requests.filter((r) => r.body.toString().includes(`client_id=${APP.clientID}`));
  assert.equal(tokenRequests.length, 1, "one request to Entra");
  assert.equal(tokenRequests[0]!.url, `/${TENANT}/oauth2/v2.0/token`);
  const calls = azure.calls.slice(-8);
  assert.equal(calls.length, 8);
  for (const call of calls) {
    assert.equal(call.auth, "bearer");
    assert.equal(call.request.headers.authorization, `Bearer ${appTokens()[0]!.token}`);
    assert.equal(call.request.headers["api-key"], undefined);
    assert.equal(
      call.request.url,
      `/openai/deployments/gpt-4o-prod/chat/completions?api-version=${API_VERSION}`,
    );
  }
});

test("past half its life the token is refreshed in the background while it still serves", async () => {
  const first = appTokens()[0]!;
  // Half of the lifetime has passed once this much time remains.
  const untilRefresh = first.expiresAt - (EXPIRES_IN * 1000) / 2 - Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, untilRefresh) + 200));
  const before = azure.requests.length;
  await chat("gpt-4o");
  assert.equal(bearerOf(before), first.token, "the current token, not a wait for a new one");
  await waitFor("a background refresh", () => appTokens().length === 2, 3000);
  await chat("gpt-4o");
  assert.equal(bearerOf(azure.requests.length - 1), appTokens()[1]!.token, "the new token from then on");
});

test("a failed token request is a 401 in the OpenAI envelope that names Entra's error, and is not kept", async () => {
  entra.failNext(FLAKY.clientID, 1);
  const before = azure.requests.length;
  await assert.rejects(
    () => chat("flaky"),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      assert.match(
        err.message,
        /no Microsoft Entra token for client aigw-flaky in tenant 3f1c2b9e-aigw-test-tenant/,
      );
      assert.match(err.message, /Entra answered 500 temporarily_unavailable/);
      assert.ok(!JSON.stringify(err.error).includes(FLAKY.clientSecret), "no secret in the answer");
      return true;
    },
  );
  assert.equal(azure.requests.length, before, "nothing was sent to Azure without a token");
  // The failure is answered from memory for a second at most; then Entra is asked again.
  await new Promise((r) => setTimeout(r, 1100));
  const answer = await chat("flaky");
  assert.equal(answer.choices[0]?.message.content, AZURE_CHAT_TEXT);
  assert.equal(entra.issued.filter((t) => t.clientID === FLAKY.clientID).length, 1);
});

test("a wrong client secret: Entra's invalid_client reaches the client, the secret does not", async () => {
  await assert.rejects(
    () => chat("wrong-secret"),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      assert.match(err.message, /invalid_client: AADSTS7000215: Invalid client secret provided/);
      assert.doesNotMatch(err.message, /Trace ID/);
      assert.ok(!JSON.stringify(err.error).includes(WRONG_SECRET));
      return true;
    },
  );
  assert.ok(!aigw.stderr().includes(WRONG_SECRET) && !aigw.stdout().includes(WRONG_SECRET), "nor the logs");
});

test("without NODE_EXTRA_CA_CERTS the private authority is not trusted, and the 401 says why", async () => {
  const untrusting = await serveAigw([configFile, ...EPHEMERAL], entraEnv(entra.url, undefined));
  try {
    const other = new OpenAI({ apiKey: "sk-client", baseURL: `${untrusting.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      () => other.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
        assert.match(err.message, /the token request to https:\/\/127\.0\.0\.1:\d+ failed: [A-Z_]+/);
        assert.match(err.message, /certificate/i);
        return true;
      },
    );
  } finally {
    await untrusting.stop();
  }
});

test("an http AZURE_AUTHORITY_HOST is a configuration error at start", async () => {
  const run = await runAigw(["run", configFile, ...EPHEMERAL], entraEnv("http://127.0.0.1:9", TEST_CA_PATH));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /AZURE_AUTHORITY_HOST "http:\/\/127\.0\.0\.1:9" must be an https URL/);
});

import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { parse } from "yaml";
import { autoconfigYaml } from "../../src/config/autoconfig.js";
import { AZURE_CHAT_TEXT, type FakeAzureOpenAI, startFakeAzureOpenAI } from "../support/fake-azure-openai.js";
import { cleanEnv, runAigw, serveAigw } from "../support/spawn-aigw.js";

/**
 * `aigw run` without a file and AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION
 * (the variables the OpenAI SDKs' Azure clients read): every model goes to that Azure OpenAI
 * resource as its deployment, with the key in `api-key`; the Azure key wins over OPENAI_API_KEY.
 */

const EPHEMERAL = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--no-access-log"];
const API_VERSION = "2024-10-21";
const KEY = "azure-env-key-42";

let fake: FakeAzureOpenAI;

before(async () => {
  fake = await startFakeAzureOpenAI({
    apiVersion: API_VERSION,
    deployments: { "gpt-4o-prod": "gpt-4o-2024-08-06" },
    apiKey: KEY,
  });
});

after(async () => {
  await fake?.close();
});

test("the generated configuration: an AzureOpenAI backend at the endpoint's origin with its version and key", () => {
  const docs = autoconfigYaml({
    AZURE_OPENAI_API_KEY: KEY,
    AZURE_OPENAI_ENDPOINT: "https://my-resource.openai.azure.com/",
    OPENAI_API_VERSION: API_VERSION,
  })
    .split(/^---$/m)
    .map((text) => parse(text) as { kind: string; spec?: Record<string, unknown>; stringData?: unknown });
  const backend = docs.find((d) => d.kind === "AIServiceBackend");
  assert.deepEqual(backend?.spec?.schema, { name: "AzureOpenAI", version: API_VERSION });
  const policy = docs.find((d) => d.kind === "BackendSecurityPolicy");
  assert.equal(policy?.spec?.type, "AzureAPIKey");
  assert.deepEqual(docs.find((d) => d.kind === "Secret")?.stringData, { apiKey: KEY });
  const endpoint = docs.find((d) => d.kind === "Backend")?.spec?.endpoints;
  assert.deepEqual(endpoint, [{ fqdn: { hostname: "my-resource.openai.azure.com", port: 443 } }]);
  assert.ok(docs.some((d) => d.kind === "BackendTLSPolicy"));
});

test("aigw run serves the Azure resource from the environment, the Azure key winning over OPENAI_API_KEY", async () => {
  const aigw = await serveAigw(
    EPHEMERAL,
    cleanEnv({
      AZURE_OPENAI_API_KEY: KEY,
      AZURE_OPENAI_ENDPOINT: fake.url,
      OPENAI_API_VERSION: API_VERSION,
      OPENAI_API_KEY: "sk-not-used",
    }),
  );
  try {
    const client = new OpenAI({ apiKey: "sk-client", baseURL: `${aigw.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: "gpt-4o-prod",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(answer.choices[0]?.message.content, AZURE_CHAT_TEXT);
    const call = fake.calls.at(-1)!;
    assert.equal(
      call.request.url,
      `/openai/deployments/gpt-4o-prod/chat/completions?api-version=${API_VERSION}`,
    );
    assert.equal(call.request.headers["api-key"], KEY);
  } finally {
    await aigw.stop();
  }
});

test("AZURE_OPENAI_API_KEY without the endpoint or the version: exit 1 naming the missing variable", async () => {
  const noVersion = await runAigw(
    ["run", ...EPHEMERAL],
    cleanEnv({ AZURE_OPENAI_API_KEY: KEY, AZURE_OPENAI_ENDPOINT: fake.url }),
  );
  assert.equal(noVersion.code, 1, noVersion.stderr);
  assert.match(noVersion.stderr, /OPENAI_API_VERSION is required when AZURE_OPENAI_API_KEY is set/);
  assert.doesNotMatch(noVersion.stderr, /\n\s+at /, "no stack trace");
  const noEndpoint = await runAigw(["run", ...EPHEMERAL], cleanEnv({ AZURE_OPENAI_API_KEY: KEY }));
  assert.equal(noEndpoint.code, 1, noEndpoint.stderr);
  assert.match(noEndpoint.stderr, /AZURE_OPENAI_ENDPOINT is required/);
});

import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loadCassette, recordedResponseModel, recordedUsage } from "../support/cassettes.js";
import { azureBackendDocs } from "../support/fake-azure-openai.js";
import { startReplayUpstream } from "../support/fake-openai-replay.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Envoy AI Gateway's recorded Azure OpenAI chat (`azure-chat-basic`), replayed through an AzureOpenAI
 * backend: the client posts the recorded body to /v1/chat/completions, and the replaying upstream
 * answers only if the gateway sent the recorded request: the deployment path, the recorded
 * api-version, the body unchanged. The client gets the recorded answer byte for byte and the record
 * counts the recorded usage.
 */

const cassette = loadCassette("azure-chat-basic");
const interaction = cassette.interactions[0]!;
const recordedQuery = new URL(interaction.request.path, "http://x").searchParams;

let upstream: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startReplayUpstream([cassette]);
  const model = String((JSON.parse(interaction.request.body) as { model: unknown }).model);
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      azureBackendDocs("azure", upstream.url, { version: recordedQuery.get("api-version")!, apiKey: "k" }),
      routeDoc("azure", { rules: [{ matches: [modelIs(model)], backendRefs: [{ name: "azure" }] }] }),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

test("azure-chat-basic: the recorded request reaches the replay, its answer the client", async () => {
  const recordsBefore = gateway.records.length;
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, { body: interaction.request.body });
  assert.equal(res.status, interaction.response.status, res.text);
  assert.equal(res.text, interaction.response.body, "byte for byte");
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.url, interaction.request.path);
  assert.equal(sent.body.toString("utf8"), interaction.request.body, "the client's bytes");
  const record = (await gateway.waitForRecords(recordsBefore + 1))[recordsBefore]!;
  assert.equal(record.provider, "azure.openai");
  assert.equal(record.responseModel, recordedResponseModel(interaction));
  assert.deepEqual(record.usage, recordedUsage(interaction));
});

import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ClientApi } from "../../src/providers/translator.js";
import {
  type Cassette,
  type Interaction,
  isEventStream,
  loadAllCassettes,
  recordedResponseModel,
  recordedUsage,
} from "../support/cassettes.js";
import { CASSETTE_HEADER, startReplayUpstream } from "../support/fake-openai-replay.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { splitSseEvents } from "../support/sse-events.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Every recorded OpenAI interaction, replayed through the gateway to an OpenAI-schema backend whose
 * upstream answers with the recording: the client must get the recorded status and body unchanged
 * (streams event for event), the upstream must get the client's bytes unchanged, and the request record
 * must count exactly the recording's usage.
 */

/** Client API per served path; a cassette for any other path is registered as todo. */
const SERVED_PATHS: Readonly<Record<string, ClientApi>> = {
  "/v1/chat/completions": "openai-chat",
  "/v1/completions": "openai-completions",
  "/v1/embeddings": "openai-embeddings",
  "/v1/images/generations": "openai-images",
};

/** Cassettes that cannot be replayed honestly against an OpenAI-schema backend, and why. */
const SKIPPED: Readonly<Record<string, string>> = {
  "azure-chat-basic":
    "recorded against Azure's deployment path: an OpenAI-schema backend would not send that request (azure-cassette-replay.test.ts replays it through an AzureOpenAI backend)",
  "audio-transcription-basic":
    "multipart request whose body the recording omits ('[multipart form data omitted]'); /v1/audio/transcriptions is not served yet",
  "audio-translation-basic":
    "multipart request whose body the recording omits ('[multipart form data omitted]'); /v1/audio/translations is not served yet",
};

const cassettes = loadAllCassettes();
const replayable = cassettes.filter((c) => SKIPPED[c.name] === undefined);

let upstream: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startReplayUpstream(replayable);
  // One rule per model the recordings ask for: routes match the request model, not the answered one.
  const models = [...new Set(replayable.flatMap((c) => c.interactions.map((i) => requestModel(i))))];
  const config = configYaml(
    gatewayDocs(),
    openAIBackendDocs("replay", upstream.url),
    routeDoc("cassettes", {
      rules: models.map((model) => ({ matches: [modelIs(model)], backendRefs: [{ name: "replay" }] })),
    }),
  );
  gateway = await startTestGateway(config);
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

for (const cassette of cassettes) {
  test(cassette.name, planFor(cassette), async () => {
    for (const interaction of cassette.interactions) await replayThroughGateway(cassette.name, interaction);
  });
}

function planFor(cassette: Cassette): { skip?: string; todo?: string } {
  const skip = SKIPPED[cassette.name];
  if (skip !== undefined) return { skip };
  const unserved = cassette.interactions.find((i) => SERVED_PATHS[i.request.path] === undefined);
  // todo runs the test but does not count it: it starts passing once the endpoint lands.
  if (unserved !== undefined) return { todo: `${unserved.request.path} is not served yet` };
  return {};
}

async function replayThroughGateway(name: string, interaction: Interaction): Promise<void> {
  const recorded = interaction.response;
  const recordsBefore = gateway.records.length;
  const upstreamBefore = upstream.requests.length;

  const res = await sendRaw(`${gateway.url}${interaction.request.path}`, {
    body: interaction.request.body,
    headers: { [CASSETTE_HEADER]: name },
  });

  // The body in the message shows the replay's drift report (409) or the gateway's error.
  assert.equal(res.status, recorded.status, `status; body: ${res.text}`);
  assert.equal(res.headers["content-type"], recorded.contentType, "content-type passes through");
  if (isEventStream(recorded)) {
    assert.deepEqual(
      splitSseEvents(res.text),
      splitSseEvents(recorded.body),
      "the same SSE events in the same order",
    );
    // The upstream wrote event by event; one single chunk at the client means the gateway buffered the stream.
    assert.ok(
      res.chunkCount > 1,
      `stream arrived in ${res.chunkCount} chunk(s): the gateway must not buffer it`,
    );
  } else {
    assert.equal(res.text, recorded.body, "the JSON body passes through byte for byte");
  }

  assert.equal(upstream.requests.length, upstreamBefore + 1, "exactly one upstream request");
  const sent = upstream.requests[upstreamBefore]!;
  assert.equal(sent.url, interaction.request.path, "upstream path");
  assert.equal(
    sent.body.toString("utf8"),
    interaction.request.body,
    "an unchanged body reaches the upstream byte for byte",
  );

  const records = await gateway.waitForRecords(recordsBefore + 1);
  const record = records[recordsBefore]!;
  assert.equal(record.api, SERVED_PATHS[interaction.request.path]);
  assert.equal(record.path, interaction.request.path);
  assert.equal(record.status, recorded.status);
  assert.equal(record.stream, isEventStream(recorded));
  assert.equal(record.route, "default/cassettes");
  assert.equal(record.backend, "default/replay");
  assert.equal(record.originalModel, requestModel(interaction));
  assert.equal(
    record.requestModel,
    requestModel(interaction),
    "no override: the upstream is asked for the same model",
  );
  const responseModel = recordedResponseModel(interaction);
  if (responseModel !== undefined)
    assert.equal(record.responseModel, responseModel, "the model the upstream reported");
  assert.deepEqual(record.usage, recordedUsage(interaction), "usage counted exactly as recorded");
}

function requestModel(interaction: Interaction): string {
  return String((JSON.parse(interaction.request.body) as { model: unknown }).model);
}

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RunningGateway } from "../../src/gateway/gateway-options.js";
import { startGateway } from "../../src/gateway/start-gateway.js";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";

let upstream: RecordingUpstream;
let dir: string;
let file: string;
let gateway: RunningGateway;
const logs: string[] = [];
/** Lets the test hold a streamed answer open across a reload. */
let releaseSlowStream: (() => void) | undefined;

const configFor = (model: string) =>
  configYaml(
    gatewayDocs(),
    routeDoc("r", { rules: [{ matches: [modelIs(model)], backendRefs: [{ name: "up" }] }] }),
    openAIBackendDocs("up", upstream.url),
  );

const chat = (model: string) =>
  sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model, messages: [{ role: "user", content: "hi" }] },
  });

/** Polls (bounded) until `condition` holds; file watching is asynchronous. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs:\n${logs.join("\n")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  upstream = await startRecordingUpstream((req, res) => {
    if (JSON.parse(req.body.toString()).model === "slow") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        'data: {"id":"1","object":"chat.completion.chunk","model":"slow","choices":[{"index":0,"delta":{"content":"first"}}]}\n\n',
      );
      releaseSlowStream = () => {
        res.write(
          'data: {"id":"1","object":"chat.completion.chunk","model":"slow","choices":[{"index":0,"delta":{"content":" second"},"finish_reason":"stop"}]}\n\n',
        );
        res.end("data: [DONE]\n\n");
      };
      return;
    }
    return fakeOpenAIHandler(req, res);
  });
  dir = await mkdtemp(join(tmpdir(), "aigw-reload-"));
  file = join(dir, "config.yaml");
  await writeFile(file, configFor("model-a"));
  gateway = await startGateway({
    configPaths: [file],
    port: 0,
    adminPort: 0,
    host: "127.0.0.1",
    accessLog: false,
    log: (line) => logs.push(line),
  });
});

after(async () => {
  await gateway.close();
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

test("editing the file reloads it: the new route serves, the removed one is gone", async () => {
  assert.equal((await chat("model-a")).status, 200);
  const generation = gateway.generation();
  await writeFile(file, configFor("model-b"));
  await waitFor(() => gateway.generation() > generation, "a reload");
  assert.equal((await chat("model-b")).status, 200);
  assert.equal((await chat("model-a")).status, 404);
});

test("an invalid edit is rejected with a log line and the last good configuration keeps serving", async () => {
  const generation = gateway.generation();
  const logCount = logs.length;
  await writeFile(
    file,
    `${configFor("model-c")}\n---\napiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata: {name: broken}\nspec:\n  rules:\n    - name: route-not-found\n      backendRefs: [{name: up}]\n`,
  );
  await waitFor(
    () => logs.slice(logCount).some((l) => l.includes("configuration rejected")),
    "the rejection log",
  );
  const rejection = logs.slice(logCount).find((l) => l.includes("configuration rejected"))!;
  assert.match(rejection, /rule name route-not-found is reserved/);
  assert.equal(gateway.generation(), generation);
  assert.equal((await chat("model-b")).status, 200, "the previous configuration still serves");
  assert.equal((await chat("model-c")).status, 404, "nothing of the rejected file applied");
});

test("a request in flight finishes on the configuration it started with", async () => {
  const start = gateway.generation();
  await writeFile(file, configFor("slow"));
  await waitFor(() => gateway.generation() > start, "a reload");
  const generation = gateway.generation();
  const inFlight = chat("slow");
  await waitFor(() => releaseSlowStream !== undefined, "the slow stream to start");
  await writeFile(file, configFor("model-d"));
  await waitFor(() => gateway.generation() > generation, "a reload during the stream");
  releaseSlowStream!();
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.match(res.text, /first/);
  assert.match(res.text, / second/);
  assert.match(res.text, /\[DONE\]/);
  assert.equal((await chat("slow")).status, 404, "new requests see the new configuration");
});

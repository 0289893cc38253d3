import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { answerStatus } from "../support/fault-handlers.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { apiKeyAuth, apiKeySecretDoc, securityPolicyDoc } from "../support/security-policy-yaml.js";
import { type RawResponse, sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The access log's decision record, field by field, for real traffic through an authenticated
 * gateway with credentials, a model override, a failover, tracing and the ledger on; then a scan of
 * everything the gateway emitted (log lines, diagnostics, metrics, spans, OTLP metrics, answers
 * and their headers) for the secrets the test configured or sent.
 */

const CLIENT_KEY = "sk-consumer-alice-S3CRET-0001";
const WRONG_KEY = "sk-wrong-m4llory-S3CRET-0002";
const UPSTREAM_KEY = "sk-upstream-good-S3CRET-0003";
const FAILING_KEY = "sk-upstream-failing-S3CRET-0004";
const ADMIN_TOKEN = "admin-S3CRET-0005";
const SECRETS = [CLIENT_KEY, WRONG_KEY, UPSTREAM_KEY, FAILING_KEY, ADMIN_TOKEN];

let good: RecordingUpstream;
let failing: RecordingUpstream;
let receiver: OtlpReceiver;
let gateway: TestGateway;
const lines: string[] = [];
/** Everything a client got back: bodies and headers. */
const answers: string[] = [];

before(async () => {
  good = await startRecordingUpstream(fakeOpenAIHandler);
  failing = await startRecordingUpstream(answerStatus(500));
  receiver = await startOtlpReceiver();
  const dataHome = mkdtempSync(join(tmpdir(), "aigw-decision-"));
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("good", good.url, { apiKey: UPSTREAM_KEY }),
      openAIBackendDocs("failing", failing.url, { apiKey: FAILING_KEY }),
      routeDoc("chat", {
        rules: [
          { matches: [modelIs("gpt-a")], backendRefs: [{ name: "good", modelNameOverride: "gpt-a-2026" }] },
          {
            matches: [modelIs("gpt-over")],
            backendRefs: [
              { name: "failing", priority: 0 },
              { name: "good", priority: 1 },
            ],
          },
        ],
      }),
      apiKeySecretDoc("consumer-keys", { alice: CLIENT_KEY }),
      securityPolicyDoc("consumers", { gateway: true }, { apiKeyAuth: apiKeyAuth("consumer-keys") }),
    ),
    {
      accessLog: (line) => lines.push(line),
      requestHeaderAttributes: [{ header: "x-tenant-id", attribute: "tenant.id" }],
      ledger: {
        url: `sqlite:${join(dataHome, "ledger.sqlite")}`,
        dataHome,
        settings: { flushIntervalMs: 50 },
      },
      adminToken: ADMIN_TOKEN,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_METRICS_EXPORTER: "otlp",
        OPENINFERENCE_HIDE_INPUTS: "false",
        OPENINFERENCE_HIDE_OUTPUTS: "false",
      },
    },
  );
});

after(async () => {
  await gateway?.close();
  await good?.close();
  await failing?.close();
  await receiver?.close();
});

const client = (apiKey: string) =>
  new OpenAI({
    apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-tenant-id": "team-a", "agent-session-id": "session-9" },
  });

function keep(res: RawResponse): RawResponse {
  answers.push(res.text, JSON.stringify(res.headers));
  return res;
}

/** The access-log line of the request with this id, once written. */
async function lineOf(requestId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.request_id === requestId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no access-log line for ${requestId}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("a served request's line says how it was served, and leads to its span and ledger record", async () => {
  const { data, response } = await client(CLIENT_KEY)
    .chat.completions.create({ model: "gpt-a", messages: [{ role: "user", content: "hi" }] })
    .withResponse();
  answers.push(JSON.stringify(data), JSON.stringify(Object.fromEntries(response.headers)));
  const id = response.headers.get("x-aigw-request-id")!;
  const line = await lineOf(id);
  assert.equal(line.method, "POST");
  assert.equal(line["request.path"], "/v1/chat/completions");
  assert.equal(line.response_code, 200);
  assert.equal(line["ai_gateway.route"], "default/chat");
  assert.equal(line["ai_gateway.match"], "x-ai-eg-model=gpt-a");
  assert.equal(line["gen_ai.original.model"], "gpt-a");
  assert.equal(line["gen_ai.request.model"], "gpt-a-2026");
  assert.equal(line["ai_gateway.model_override"], "gpt-a-2026");
  assert.equal(line["ai_gateway.credential_policy"], "default/good-apikey");
  assert.equal(line["ai_gateway.consumer"], "alice");
  assert.equal(line["tenant.id"], "team-a");
  assert.equal(line["session.id"], "session-9");
  assert.equal(line["gen_ai.usage.input_tokens"], FAKE_CHAT_USAGE.prompt_tokens);
  const attempts = line["ai_gateway.attempts"] as { backend: string; status: number; error: null }[];
  assert.deepEqual(
    attempts.map((a) => [a.backend, a.status, a.error]),
    [["default/good", 200, null]],
  );

  await gateway.gateway.flushTelemetry();
  const span = await receiver.waitFor(() =>
    receiver.spans.find((s) => s.attributes["aigw.request_id"] === id),
  );
  assert.equal(line.trace_id, span.traceId);

  assert.equal(line["ai_gateway.ledger_record_id"], id);
  const today = new Date().toISOString().slice(0, 10);
  const records = keep(
    await sendRaw(`${gateway.gateway.adminUrl}/v1/usage/records?from=${today}&consumer=alice`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }),
  );
  assert.equal(records.status, 200, records.text);
  const ids = (JSON.parse(records.text) as { records: { id: string }[] }).records.map((r) => r.id);
  assert.ok(ids.includes(id), `the ledger has record ${id}: ${ids.join(", ")}`);
});

test("a failover lists both attempts in order, and the credential policy of the backend that answered", async () => {
  const { response } = await client(CLIENT_KEY)
    .chat.completions.create({ model: "gpt-over", messages: [{ role: "user", content: "hi" }] })
    .withResponse();
  const line = await lineOf(response.headers.get("x-aigw-request-id")!);
  const attempts = line["ai_gateway.attempts"] as { backend: string; status: number; duration: number }[];
  assert.deepEqual(
    attempts.map((a) => [a.backend, a.status]),
    [
      ["default/failing", 500],
      ["default/good", 200],
    ],
  );
  for (const a of attempts) assert.equal(typeof a.duration, "number");
  assert.equal(line["ai_gateway.credential_policy"], "default/good-apikey");
  assert.equal(line["ai_gateway.model_override"], undefined, "sent upstream as asked");
});

test("refusals, 404s and the model listing have lines too", async () => {
  const body = { model: "gpt-a", messages: [{ role: "user", content: "hi" }] };
  const refused = keep(
    await sendRaw(`${gateway.url}/v1/chat/completions`, {
      body,
      headers: { authorization: `Bearer ${WRONG_KEY}` },
    }),
  );
  assert.equal(refused.status, 401);
  const refusedLine = await lineOf(String(refused.headers["x-aigw-request-id"]));
  assert.equal(refusedLine.response_code, 401);
  assert.equal(refusedLine["ai_gateway.consumer"], undefined);
  assert.equal(
    refusedLine["ai_gateway.ledger_record_id"],
    undefined,
    "a refused request has no ledger record",
  );

  const auth = { authorization: `Bearer ${CLIENT_KEY}` };
  const unknown = keep(
    await sendRaw(`${gateway.url}/v1/chat/completions`, {
      body: { ...body, model: "nobody" },
      headers: auth,
    }),
  );
  assert.equal(unknown.status, 404);
  const unknownLine = await lineOf(String(unknown.headers["x-aigw-request-id"]));
  assert.equal(unknownLine.error, "no_route");
  assert.equal(unknownLine["ai_gateway.route"], null);

  const models = keep(await sendRaw(`${gateway.url}/v1/models`, { headers: auth }));
  assert.equal(models.status, 200);
  const modelsLine = await lineOf(String(models.headers["x-aigw-request-id"]));
  assert.equal(modelsLine.method, "GET");
  assert.equal(modelsLine["request.path"], "/v1/models");
  assert.equal(modelsLine.response_code, 200);

  const nowhere = keep(await sendRaw(`${gateway.url}/no/such/path?key=${WRONG_KEY}`, { headers: auth }));
  assert.equal(nowhere.status, 404);
  const nowhereLine = await lineOf(String(nowhere.headers["x-aigw-request-id"]));
  assert.equal(
    nowhereLine["request.path"],
    "/no/such/path",
    "the query (which may hold a key) is not logged",
  );
  assert.equal(nowhereLine.response_code, 404);
});

test("no secret appears in log lines, diagnostics, metrics, spans, OTLP metrics or answers", async () => {
  await gateway.waitForRecords(4);
  await gateway.gateway.flushTelemetry();
  await receiver.waitFor(() => receiver.metrics.length > 0);
  const metrics = keep(await sendRaw(`${gateway.gateway.adminUrl}/metrics`));
  assert.equal(metrics.status, 200);
  const bigints = (_key: string, value: unknown) => (typeof value === "bigint" ? String(value) : value);
  const places: Record<string, string> = {
    "access log": lines.join("\n"),
    diagnostics: gateway.logs.join("\n"),
    metrics: metrics.text,
    spans: JSON.stringify(receiver.spans, bigints),
    "OTLP metrics": JSON.stringify(receiver.metrics, bigints),
    answers: answers.join("\n"),
  };
  // The scan must have something to scan: every place holds what this test's traffic produced.
  assert.ok(lines.length >= 6 && receiver.spans.length >= 3 && answers.length >= 8);
  assert.match(places.spans!, /"input\.value"/, "spans hold the content they were asked to");
  for (const [place, text] of Object.entries(places)) {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${place} holds ${secret}`);
  }
  // What went upstream carries each backend's own key, never the client's.
  for (const sent of [...good.requests, ...failing.requests]) {
    assert.ok(!JSON.stringify(sent.headers).includes(CLIENT_KEY));
  }
  assert.equal(good.requests.at(-1)!.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
});

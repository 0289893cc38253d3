import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { TelemetryConfigError } from "../../src/telemetry/otlp-endpoint.js";
import { FAKE_ANSWER, FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { answerStatus } from "../support/fault-handlers.js";
import { goodAndFailingConfig } from "../support/good-and-failing-config.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Spans and OTLP metrics of a running gateway, received by an OTLP/HTTP collector in the test over
 * both protocols: names, kinds, attributes, parents and trace ids, the traceparent sent upstream,
 * and that no prompt or answer is in a span unless asked for.
 */

const CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";
const PROMPT = "the secret recipe is forty-two";

let good: RecordingUpstream;
let failing: RecordingUpstream;
let receiver: OtlpReceiver;
const gateways: TestGateway[] = [];

before(async () => {
  good = await startRecordingUpstream(fakeOpenAIHandler);
  failing = await startRecordingUpstream(answerStatus(500));
  receiver = await startOtlpReceiver();
});

after(async () => {
  for (const g of gateways) await g.close();
  await good?.close();
  await failing?.close();
  await receiver?.close();
});

async function gatewayWith(env: Record<string, string>): Promise<TestGateway> {
  const g = await startTestGateway(goodAndFailingConfig(good.url, failing.url), { env });
  gateways.push(g);
  return g;
}

const clientOf = (g: TestGateway, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: "sk-client", baseURL: `${g.url}/v1`, maxRetries: 0, defaultHeaders: headers });

/** The one span exported for the request with this id. */
async function spanOf(g: TestGateway, requestId: string): Promise<ReceivedSpan> {
  await g.gateway.flushTelemetry();
  return receiver.waitFor(() => receiver.spans.find((s) => s.attributes["aigw.request_id"] === requestId));
}

function assertNoContent(span: ReceivedSpan): void {
  const text = JSON.stringify(span.attributes);
  assert.ok(!text.includes(PROMPT), `the prompt is not in the span: ${text}`);
  assert.ok(!text.includes(FAKE_ANSWER), "the answer is not in the span");
  for (const key of Object.keys(span.attributes)) {
    assert.doesNotMatch(key, /^(input|output)\.value$|_messages\.|\.input\.messages|\.output\.messages/);
  }
}

test("openinference (default) over protobuf: the client's trace is joined, the upstream gets the gateway's span, no content", async () => {
  const g = await gatewayWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const sentBefore = good.requests.length;
  const { data, response } = await clientOf(g, {
    traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`,
    "agent-session-id": "session-7",
  })
    .chat.completions.create({
      model: "gpt-a",
      messages: [{ role: "user", content: PROMPT }],
      temperature: 0.5,
    })
    .withResponse();
  const requestId = response.headers.get("x-aigw-request-id")!;
  const span = await spanOf(g, requestId);

  assert.equal(span.traceId, CLIENT_TRACE);
  assert.equal(span.parentSpanId, CLIENT_SPAN);
  assert.equal(span.name, "ChatCompletion");
  assert.equal(span.kind, 1, "INTERNAL");
  assert.equal(span.resource["service.name"], "ai-gateway");
  assert.equal(span.status.code, 0);
  const a = span.attributes;
  assert.equal(a["openinference.span.kind"], "LLM");
  assert.equal(a["llm.system"], "openai");
  assert.equal(a["llm.provider"], "openai");
  assert.equal(a["llm.model_name"], data.model);
  assert.equal(a["llm.token_count.prompt"], FAKE_CHAT_USAGE.prompt_tokens);
  assert.equal(a["llm.token_count.completion"], FAKE_CHAT_USAGE.completion_tokens);
  assert.equal(a["llm.token_count.total"], FAKE_CHAT_USAGE.total_tokens);
  assert.equal(
    a["llm.token_count.prompt_details.cache_read"],
    FAKE_CHAT_USAGE.prompt_tokens_details.cached_tokens,
  );
  assert.deepEqual(JSON.parse(String(a["llm.invocation_parameters"])), { model: "gpt-a", temperature: 0.5 });
  assert.equal(a["session.id"], "session-7");
  assert.equal(a["aigw.route"], "default/chat");
  assert.equal(a["aigw.backend"], "default/good");
  assertNoContent(span);

  // The upstream request is the gateway span's child, in the same trace.
  const sent = good.requests[sentBefore]!;
  assert.equal(sent.headers.traceparent, `00-${CLIENT_TRACE}-${span.spanId}-01`);
  assert.equal(g.records.find((r) => r.requestId === requestId)?.traceId, CLIENT_TRACE);
  assert.ok(
    receiver.requests.some((r) => r.path === "/v1/traces" && r.contentType === "application/x-protobuf"),
  );
});

test("a failure sets the span's status to error and error.type; a new trace starts without a traceparent", async () => {
  const g = await gatewayWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const { response } = await clientOf(g)
    .chat.completions.create({ model: "gpt-fail", messages: [{ role: "user", content: "hi" }] })
    .withResponse()
    .catch((err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError && err.status === 500);
      return { response: { headers: err.headers as Headers } };
    });
  const span = await spanOf(g, response.headers.get("x-aigw-request-id")!);
  assert.equal(span.status.code, 2, "ERROR");
  assert.equal(span.attributes["error.type"], "_OTHER");
  assert.equal(span.attributes["http.response.status_code"], 500);
  assert.equal(span.parentSpanId, undefined);
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(span.traceId, CLIENT_TRACE);
});

test("gen_ai over http/json with content capture: CLIENT spans named after the model, messages recorded", async () => {
  const g = await gatewayWith({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    AI_GATEWAY_TRACING_SEMCONV: "gen_ai",
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true",
    OTEL_SERVICE_NAME: "edge-gw",
  });
  const stream = await clientOf(g)
    .chat.completions.create({
      model: "gpt-a",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: PROMPT },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
    })
    .withResponse();
  for await (const _ of stream.data) {
    // drain
  }
  const span = await spanOf(g, stream.response.headers.get("x-aigw-request-id")!);
  assert.equal(span.kind, 3, "CLIENT");
  assert.equal(span.name, "chat gpt-a-2026");
  assert.equal(span.resource["service.name"], "edge-gw");
  const a = span.attributes;
  assert.equal(a["gen_ai.operation.name"], "chat");
  assert.equal(a["gen_ai.provider.name"], "openai");
  assert.equal(a["gen_ai.request.model"], "gpt-a-2026");
  assert.equal(a["gen_ai.request.max_tokens"], 64);
  assert.equal(a["gen_ai.usage.input_tokens"], FAKE_CHAT_USAGE.prompt_tokens);
  assert.equal(a["gen_ai.usage.output_tokens"], FAKE_CHAT_USAGE.completion_tokens);
  assert.deepEqual(JSON.parse(String(a["gen_ai.system_instructions"])), [
    { type: "text", content: "be brief" },
  ]);
  assert.deepEqual(JSON.parse(String(a["gen_ai.input.messages"])), [
    { role: "user", parts: [{ type: "text", content: PROMPT }] },
  ]);
  const out = JSON.parse(String(a["gen_ai.output.messages"])) as { parts: { content: string }[] }[];
  assert.equal(out[0]!.parts[0]!.content, FAKE_ANSWER);
  assert.ok(receiver.requests.some((r) => r.path === "/v1/traces" && r.contentType === "application/json"));
});

test("openinference shows inputs and outputs only when OPENINFERENCE_HIDE_* say false", async () => {
  const g = await gatewayWith({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OPENINFERENCE_HIDE_INPUTS: "false",
    OPENINFERENCE_HIDE_OUTPUTS: "false",
  });
  const { response } = await clientOf(g)
    .chat.completions.create({ model: "gpt-a", messages: [{ role: "user", content: PROMPT }] })
    .withResponse();
  const a = (await spanOf(g, response.headers.get("x-aigw-request-id")!)).attributes;
  assert.equal(JSON.parse(String(a["input.value"])).messages[0].content, PROMPT);
  assert.equal(a["llm.input_messages.0.message.role"], "user");
  assert.equal(a["llm.input_messages.0.message.content"], PROMPT);
  assert.equal(a["llm.output_messages.0.message.role"], "assistant");
  assert.equal(a["llm.output_messages.0.message.content"], FAKE_ANSWER);
  assert.equal(a["output.mime_type"], "application/json");
});

test("a sampler that samples nothing exports nothing, and the upstream's traceparent says not sampled", async () => {
  const g = await gatewayWith({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER: "always_off",
  });
  const sentBefore = good.requests.length;
  const { response } = await clientOf(g)
    .chat.completions.create({ model: "gpt-a", messages: [{ role: "user", content: "hi" }] })
    .withResponse();
  const id = response.headers.get("x-aigw-request-id")!;
  await g.gateway.flushTelemetry();
  assert.equal(
    receiver.spans.find((s) => s.attributes["aigw.request_id"] === id),
    undefined,
  );
  assert.match(String(good.requests[sentBefore]!.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
});

test("without an exporter there is no tracing: the client's traceparent passes through untouched", async () => {
  const g = await gatewayWith({});
  const sentBefore = good.requests.length;
  const traceparent = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
  await clientOf(g, { traceparent }).chat.completions.create({
    model: "gpt-a",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(good.requests[sentBefore]!.headers.traceparent, traceparent);
  const record = (await g.waitForRecords(1))[0]!;
  assert.equal(record.traceId, undefined);
});

test("a bad AI_GATEWAY_TRACING_SEMCONV or OTLP protocol fails the start, exporter or not", async () => {
  const config = goodAndFailingConfig(good.url, failing.url);
  await assert.rejects(
    startTestGateway(config, { env: { AI_GATEWAY_TRACING_SEMCONV: "otel" } }),
    (err: unknown) =>
      err instanceof TelemetryConfigError &&
      err.message === 'AI_GATEWAY_TRACING_SEMCONV: expected openinference or gen_ai, got "otel"',
  );
  await assert.rejects(
    startTestGateway(config, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
    }),
    /OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json, got "grpc"/,
  );
});

for (const protocol of ["http/protobuf", "http/json"] as const) {
  test(`OTEL_METRICS_EXPORTER=otlp (${protocol}) exports the GenAI metrics under their OpenTelemetry names`, async () => {
    const g = await startTestGateway(goodAndFailingConfig(good.url, failing.url), {
      env: {
        OTEL_METRICS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol,
      },
      requestHeaderAttributes: [{ header: "x-tenant-id", attribute: "tenant.id" }],
    });
    gateways.push(g);
    const { usage } = await clientOf(g, { "x-tenant-id": `team-${protocol}` }).chat.completions.create({
      model: "gpt-a",
      messages: [{ role: "user", content: "hi" }],
    });
    await g.waitForRecords(1);
    await g.gateway.flushTelemetry();
    const tenant = `team-${protocol}`;
    const tokens = await receiver.waitFor(() =>
      receiver.metrics.find(
        (m) =>
          m.name === "gen_ai.client.token.usage" &&
          m.points.some((p) => p.attributes["tenant.id"] === tenant),
      ),
    );
    assert.equal(tokens.kind, "histogram");
    assert.equal(tokens.unit, "token");
    assert.equal(tokens.temporality, 2, "cumulative");
    const input = tokens.points.find(
      (p) => p.attributes["tenant.id"] === tenant && p.attributes["gen_ai.token.type"] === "input",
    )!;
    assert.equal(input.count, 1);
    assert.equal(input.sum, usage!.prompt_tokens);
    assert.equal(input.attributes["gen_ai.operation.name"], "chat");
    assert.equal(input.attributes["gen_ai.request.model"], "gpt-a-2026");
    assert.equal(input.explicitBounds?.[0], 1);
    assert.equal(input.explicitBounds?.at(-1), 67108864);
    assert.equal(
      input.bucketCounts?.reduce((x, y) => x + y, 0),
      1,
    );
    const attempts = receiver.metrics.find((m) => m.name === "aigw_upstream_attempts");
    assert.equal(attempts?.kind, "sum");
    assert.equal(attempts?.isMonotonic, true);
    const contentType = protocol === "http/json" ? "application/json" : "application/x-protobuf";
    assert.ok(receiver.requests.some((r) => r.path === "/v1/metrics" && r.contentType === contentType));
  });
}

test("a malformed traceparent is ignored: the request is served and its span starts a trace of its own", async () => {
  const g = await gatewayWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  for (const traceparent of ["00-not-a-trace-01", `00-${"0".repeat(32)}-${CLIENT_SPAN}-01`, "garbage"]) {
    const { response } = await clientOf(g, { traceparent })
      .chat.completions.create({ model: "gpt-a", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    assert.equal(response.status, 200);
    const span = await spanOf(g, response.headers.get("x-aigw-request-id")!);
    assert.equal(span.parentSpanId, undefined, traceparent);
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(span.traceId, "0".repeat(32));
  }
});

import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { answerStatus } from "../support/fault-handlers.js";
import { goodAndFailingConfig } from "../support/good-and-failing-config.js";
import {
  type Exposition,
  type LabelMatcher,
  matches,
  parsePrometheusText,
  samplesOf,
  sampleValue,
} from "../support/prometheus-text.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * /metrics of a running gateway after known traffic through the official OpenAI client: a plain
 * answer, a stream, a failure, a failover and an unroutable model. Sums must equal what the
 * upstream reported, and every query of Envoy AI Gateway's Grafana dashboard must find its series.
 */

const DASHBOARD = new URL(
  "../../../../shared/conformance/envoy-ai-gateway/examples/monitoring/grafana-dashboard.json",
  import.meta.url,
);

let good: RecordingUpstream;
let failing: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  good = await startRecordingUpstream(fakeOpenAIHandler);
  failing = await startRecordingUpstream(answerStatus(500));
  gateway = await startTestGateway(goodAndFailingConfig(good.url, failing.url), {
    requestHeaderAttributes: [{ header: "x-tenant-id", attribute: "tenant.id" }],
  });
});

after(async () => {
  await gateway?.close();
  await good?.close();
  await failing?.close();
});

const openai = () =>
  new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-tenant-id": "team-a" },
  });

async function scrape(): Promise<Exposition> {
  const res = await sendRaw(`${gateway.gateway.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

/** The metric selectors of a PromQL expression: names with their label matchers, grouping labels left out. */
function selectorsOf(expr: string): { name: string; matchers: LabelMatcher[] }[] {
  const bare = expr.replace(/\b(by|without)\s*\([^)]*\)/g, "");
  const out: { name: string; matchers: LabelMatcher[] }[] = [];
  for (const m of bare.matchAll(/\b((?:gen_ai|aigw)_[a-zA-Z0-9_]*)\s*(\{[^}]*\})?/g)) {
    const matchers = [...(m[2] ?? "").matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(
      ([, label, op, value]) => ({ label: label!, op: op as LabelMatcher["op"], value: value! }),
    );
    out.push({ name: m[1]!, matchers });
  }
  return out;
}

test("after known traffic, /metrics counts it exactly, and every dashboard query finds its series", async () => {
  const client = openai();
  const plain = await client.chat.completions
    .create({ model: "gpt-a", messages: [{ role: "user", content: "hi" }] })
    .withResponse();
  const stream = await client.chat.completions.create({
    model: "gpt-a",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let streamUsage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) streamUsage = chunk.usage ?? streamUsage;
  await assert.rejects(
    client.chat.completions.create({ model: "gpt-fail", messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => err instanceof OpenAI.APIError && err.status === 500,
  );
  const over = await client.chat.completions.create({
    model: "gpt-over",
    messages: [{ role: "user", content: "hi" }],
  });
  const unknown = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: "nobody-routes-this", messages: [{ role: "user", content: "hi" }] },
  });
  assert.equal(unknown.status, 404);
  const records = await gateway.waitForRecords(5);

  // Every answer carries its request's id, the 404 too, and it is the record's.
  const id = plain.response.headers.get("x-aigw-request-id");
  assert.match(id ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(records.find((r) => r.requestId === id)?.originalModel, "gpt-a");
  assert.match(String(unknown.headers["x-aigw-request-id"]), /^[0-9a-f-]{36}$/);
  assert.notEqual(unknown.headers["x-aigw-request-id"], id);

  const m = await scrape();
  const ok = {
    gen_ai_operation_name: "chat",
    gen_ai_provider_name: "openai",
    gen_ai_original_model: "gpt-a",
    gen_ai_request_model: "gpt-a-2026",
    // The fake upstream reports the model it was asked for.
    gen_ai_response_model: plain.data.model,
    tenant_id: "team-a",
  };
  // The plain answer and the stream; the failure and the failover have series of their own.
  assert.equal(sampleValue(m, "gen_ai_server_request_duration_seconds_count", ok), 2);
  const input = sampleValue(m, "gen_ai_client_token_usage_sum", { ...ok, gen_ai_token_type: "input" });
  const output = sampleValue(m, "gen_ai_client_token_usage_sum", { ...ok, gen_ai_token_type: "output" });
  assert.equal(input, plain.data.usage!.prompt_tokens + streamUsage!.prompt_tokens);
  assert.equal(output, plain.data.usage!.completion_tokens + streamUsage!.completion_tokens);
  assert.equal(
    sampleValue(m, "gen_ai_client_token_usage_sum", { ...ok, gen_ai_token_type: "cached_input" }),
    2 * FAKE_CHAT_USAGE.prompt_tokens_details.cached_tokens,
  );
  assert.equal(
    sampleValue(m, "gen_ai_client_token_usage_sum", { ...ok, gen_ai_token_type: "reasoning" }),
    2 * FAKE_CHAT_USAGE.completion_tokens_details.reasoning_tokens,
  );
  assert.equal(sampleValue(m, "gen_ai_client_token_usage_count", { ...ok, gen_ai_token_type: "input" }), 2);
  assert.equal(sampleValue(m, "gen_ai_server_time_to_first_token_seconds_count", ok), 1, "the stream alone");
  assert.equal(sampleValue(m, "gen_ai_server_time_per_output_token_seconds_count", ok), 1);

  const failed = samplesOf(m, "gen_ai_server_request_duration_seconds_count", { error_type: "_OTHER" });
  assert.deepEqual(
    failed.map((s) => [s.labels.gen_ai_original_model, s.value]),
    [["gpt-fail", 1]],
  );
  assert.equal(
    samplesOf(m, "gen_ai_client_token_usage_count", { gen_ai_original_model: "gpt-fail" }).length,
    0,
  );
  assert.equal(over.choices.length, 1);
  assert.equal(
    sampleValue(m, "gen_ai_server_request_duration_seconds_count", {
      ...ok,
      gen_ai_original_model: "gpt-over",
      gen_ai_request_model: "gpt-over",
      gen_ai_response_model: over.model,
    }),
    1,
    "the failover succeeded: no error_type",
  );
  const allCounts = samplesOf(m, "gen_ai_server_request_duration_seconds_count").reduce(
    (n, s) => n + s.value,
    0,
  );
  assert.equal(allCounts, 4, "the unroutable request is not counted");
  assert.equal(
    sampleValue(m, "aigw_upstream_attempts_total", { backend: "default/failing", outcome: "status_500" }),
    2,
  );
  assert.equal(
    sampleValue(m, "aigw_upstream_attempts_total", { backend: "default/good", outcome: "success" }),
    3,
  );
  assert.equal(sampleValue(m, "aigw_upstream_failovers_total", { reason: "status_500" }), 1);
  assert.equal(samplesOf(m, "aigw_config_info").length, 1);

  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const expressions = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
  );
  assert.ok(expressions.length >= 10, "the dashboard's panels were read");
  for (const { title, expr } of expressions) {
    const selectors = selectorsOf(expr);
    assert.ok(selectors.length > 0, `${title}: no selector found in ${expr}`);
    for (const { name, matchers } of selectors) {
      assert.ok(
        m.samples.some((s) => matches(s, name, matchers)),
        `${title}: no series for ${name}${JSON.stringify(matchers)} (${expr})`,
      );
    }
  }
});

test("with metrics off (--no-metrics) /metrics is not there, and requests are served as before", async () => {
  const off = await startTestGateway(goodAndFailingConfig(good.url, failing.url), { metrics: false });
  try {
    const answer = await new OpenAI({
      apiKey: "k",
      baseURL: `${off.url}/v1`,
      maxRetries: 0,
    }).chat.completions.create({
      model: "gpt-a",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(answer.usage?.total_tokens, FAKE_CHAT_USAGE.total_tokens);
    assert.equal((await sendRaw(`${off.gateway.adminUrl}/metrics`)).status, 404);
  } finally {
    await off.close();
  }
});

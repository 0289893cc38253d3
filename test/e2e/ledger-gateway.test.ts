import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { ledgerError } from "../../src/usage/ledger-row.js";
import { FAKE_CHAT_USAGE, FAKE_EMBEDDING_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import {
  type RecordingUpstream,
  startRecordingUpstream,
  type UpstreamHandler,
} from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The ledger in a running gateway (in-process, the SQLite store): every routed request is one
 * record with what the upstream reported, failures carry their reason, unroutable requests are not
 * recorded, and an abandoned stream is recorded with the usage the limits charge for it.
 */

const TOKEN = "ledger-e2e-token";

/** gpt-fail answers 500; a gpt-slow stream sends two chunks and then waits for the client to go. */
const handler: UpstreamHandler = async (req, res) => {
  const body = JSON.parse(req.body.toString("utf8")) as { model?: string; stream?: boolean };
  if (body.model === "gpt-fail") {
    res.writeHead(500, { "content-type": "application/json" });
    res.end('{"error":{"message":"the fake upstream failed","type":"server_error"}}');
    return;
  }
  if (body.model !== "gpt-slow") return fakeOpenAIHandler(req, res);
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const content of ["one", " two"]) {
    const choice = { index: 0, delta: { content }, logprobs: null, finish_reason: null };
    const chunk = {
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-slow",
      choices: [choice],
    };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  await new Promise((resolve) => res.on("close", resolve));
};

let upstream: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startRecordingUpstream(handler);
  const dataHome = mkdtempSync(join(tmpdir(), "aigw-ledger-e2e-"));
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url),
      routeDoc("chat", {
        rules: ["gpt-a", "gpt-fail", "gpt-slow", "text-embed"].map((model) => ({
          matches: [modelIs(model)],
          backendRefs: [{ name: "up" }],
        })),
        llmRequestCosts: [
          { metadataKey: "llm_total_token", type: "TotalToken" },
          { metadataKey: "llm_input_token", type: "InputToken" },
        ],
      }),
    ),
    {
      ledger: {
        url: `sqlite:${join(dataHome, "ledger.sqlite")}`,
        dataHome,
        settings: { flushIntervalMs: 50 },
      },
      adminToken: TOKEN,
      requestHeaderAttributes: [
        { header: "x-tenant-id", attribute: "tenant.id" },
        { header: "x-tag", attribute: "tag" },
      ],
    },
  );
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

const client = (tenant: string, tag: string) =>
  new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-tenant-id": tenant, "x-tag": tag },
  });

async function admin<T>(path: string): Promise<T> {
  const res = await sendRaw(`${gateway.gateway.adminUrl}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text) as T;
}

type LedgerRecord = Record<string, unknown> & { tag?: string };

async function ledgerRecords(): Promise<LedgerRecord[]> {
  return (await admin<{ records: LedgerRecord[] }>("/v1/usage/records?limit=1000")).records;
}

function recordTagged(tag: string): RequestRecord {
  const record = gateway.records.find((r) => r.attributes?.tag === tag);
  assert.ok(record, `a request record tagged ${tag}`);
  return record;
}

test("every routed request is one record with the upstream's usage exactly; failures have their reason; unroutable ones none", async () => {
  for (const tag of ["p1", "p2"]) {
    await client("acme", tag).chat.completions.create({
      model: "gpt-a",
      messages: [{ role: "user", content: "Hi" }],
    });
  }
  for (const tag of ["s1", "s2"]) {
    const stream = await client("globex", tag).chat.completions.create({
      model: "gpt-a",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    for await (const _ of stream) {
      // read to the end
    }
  }
  await client("acme", "e1").embeddings.create({ model: "text-embed", input: "Hi" });
  await assert.rejects(
    client("acme", "f1").chat.completions.create({
      model: "gpt-fail",
      messages: [{ role: "user", content: "Hi" }],
    }),
    OpenAI.InternalServerError,
  );
  await assert.rejects(
    client("acme", "u1").chat.completions.create({
      model: "gpt-unknown",
      messages: [{ role: "user", content: "Hi" }],
    }),
    OpenAI.NotFoundError,
  );
  await gateway.waitForRecords(7);

  const records = await ledgerRecords();
  assert.deepEqual(
    records.map((r) => r.tag).sort(),
    ["e1", "f1", "p1", "p2", "s1", "s2"],
    "u1 reached no route",
  );
  for (const ledger of records) {
    const record = recordTagged(ledger.tag!);
    assert.equal(ledger.route, "default/chat");
    assert.equal(ledger.backend, "default/up");
    assert.equal(ledger.original_model, record.originalModel);
    assert.equal(ledger.request_model, record.requestModel);
    assert.equal(ledger.response_model, record.responseModel ?? null);
    assert.equal(ledger.status, record.status);
    assert.equal(ledger.stream, record.stream);
    assert.equal(ledger.attempts, record.attempts.length);
    assert.equal(ledger.error, ledgerError(record));
    assert.deepEqual(ledger.costs, record.costs);
    assert.equal(ledger["tenant.id"], record.attributes?.["tenant.id"]);
    assert.equal(ledger.consumer, null, "no SecurityPolicy on the route");
    const started = Date.parse(ledger.time as string);
    assert.ok(Math.abs(started + (ledger.duration_ms as number) - Date.now()) < 10_000);
  }
  // What the upstream reported, request by request.
  for (const tag of ["p1", "p2", "s1", "s2"]) {
    const ledger = records.find((r) => r.tag === tag)!;
    assert.deepEqual(
      [
        ledger.input_tokens,
        ledger.cached_input_tokens,
        ledger.output_tokens,
        ledger.reasoning_tokens,
        ledger.total_tokens,
      ],
      [
        FAKE_CHAT_USAGE.prompt_tokens,
        FAKE_CHAT_USAGE.prompt_tokens_details.cached_tokens,
        FAKE_CHAT_USAGE.completion_tokens,
        FAKE_CHAT_USAGE.completion_tokens_details.reasoning_tokens,
        FAKE_CHAT_USAGE.total_tokens,
      ],
      tag,
    );
    assert.equal(ledger.status, 200);
    assert.equal(ledger.error, null);
  }
  assert.equal(records.find((r) => r.tag === "s1")!.stream, true);
  assert.ok((records.find((r) => r.tag === "s1")!.ttft_ms as number) >= 0);
  const embedding = records.find((r) => r.tag === "e1")!;
  assert.equal(embedding.input_tokens, FAKE_EMBEDDING_USAGE.prompt_tokens);
  assert.equal(embedding.total_tokens, FAKE_EMBEDDING_USAGE.total_tokens);
  const failed = records.find((r) => r.tag === "f1")!;
  assert.equal(failed.status, 500);
  assert.equal(failed.error, "upstream_500");

  const usage = await admin<{ rows: Record<string, unknown>[] }>("/v1/usage?group_by=tenant.id,model");
  const chat = FAKE_CHAT_USAGE;
  assert.deepEqual(usage.rows, [
    {
      "tenant.id": "acme",
      model: "gpt-a",
      requests: 2,
      input_tokens: 2 * chat.prompt_tokens,
      cached_input_tokens: 2 * chat.prompt_tokens_details.cached_tokens,
      cache_creation_input_tokens: 0,
      output_tokens: 2 * chat.completion_tokens,
      reasoning_tokens: 2 * chat.completion_tokens_details.reasoning_tokens,
      total_tokens: 2 * chat.total_tokens,
      costs: { llm_total_token: 2 * chat.total_tokens, llm_input_token: 2 * chat.prompt_tokens },
    },
    {
      "tenant.id": "acme",
      model: "gpt-fail",
      requests: 1,
      input_tokens: 0,
      cached_input_tokens: 0,
      cache_creation_input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: 0,
      costs: {},
    },
    {
      "tenant.id": "acme",
      model: "text-embed",
      requests: 1,
      input_tokens: FAKE_EMBEDDING_USAGE.prompt_tokens,
      cached_input_tokens: 0,
      cache_creation_input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: FAKE_EMBEDDING_USAGE.total_tokens,
      costs: {
        llm_total_token: FAKE_EMBEDDING_USAGE.total_tokens,
        llm_input_token: FAKE_EMBEDDING_USAGE.prompt_tokens,
      },
    },
    {
      "tenant.id": "globex",
      model: "gpt-a",
      requests: 2,
      input_tokens: 2 * chat.prompt_tokens,
      cached_input_tokens: 2 * chat.prompt_tokens_details.cached_tokens,
      cache_creation_input_tokens: 0,
      output_tokens: 2 * chat.completion_tokens,
      reasoning_tokens: 2 * chat.completion_tokens_details.reasoning_tokens,
      total_tokens: 2 * chat.total_tokens,
      costs: { llm_total_token: 2 * chat.total_tokens, llm_input_token: 2 * chat.prompt_tokens },
    },
  ]);
});

test("a stream the client abandons is recorded as answered (200), error client_closed, with the usage the limits charge", async () => {
  const count = gateway.records.length;
  const stream = await client("acme", "a1").chat.completions.create({
    model: "gpt-slow",
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  for await (const _ of stream) break; // leaves after the first chunk; the SDK aborts the request
  const [record] = (await gateway.waitForRecords(count + 1)).slice(count);
  assert.equal(record?.usageEstimated, true);
  // The upstream call is cancelled: the gateway closes its connection.
  assert.equal(await upstream.requests.at(-1)!.outcome, "aborted");
  // The usage API writes what the ledger buffers before it answers: no waiting for the batch.
  const ledger = (await ledgerRecords()).find((r) => r.tag === "a1");
  assert.ok(ledger);
  assert.equal(ledger.status, 200);
  assert.equal(ledger.error, "client_closed");
  assert.equal(ledger.stream, true);
  assert.equal(ledger.input_tokens, record!.usage.inputTokens);
  assert.equal(ledger.output_tokens, record!.usage.outputTokens);
  assert.equal(ledger.total_tokens, record!.usage.totalTokens);
  assert.ok((ledger.output_tokens as number) >= 1, "what arrived is counted");
  assert.deepEqual(ledger.costs, record!.costs);
  assert.equal((ledger.costs as Record<string, number>).llm_total_token, record!.usage.totalTokens);
});

test("the usage API on the gateway's admin listener wants the admin token", async () => {
  const res = await sendRaw(`${gateway.gateway.adminUrl}/v1/usage`);
  assert.equal(res.status, 401);
  assert.equal((await sendRaw(`${gateway.gateway.adminUrl}/health`)).status, 200);
});

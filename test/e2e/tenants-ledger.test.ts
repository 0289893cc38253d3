import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { request } from "undici";
import {
  configYaml,
  GATEWAY_NAME,
  gatewayDocs,
  modelIs,
  openAIBackendDocs,
  rateLimitPolicyDoc,
  routeDoc,
} from "../support/gateway-yaml.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { cleanEnv, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";

/**
 * Three tenants of different tiers behind one SecurityPolicy (API keys, tenant and tier from the
 * client-headers annotation), sending mixed traffic (plain, streamed, abandoned streams, upstream
 * errors, rate-limit refusals) through two `aigw run` processes that share one ledger in the
 * machine's real PostgreSQL. The fake upstream derives each answer's usage from the prompt, so the
 * test knows exactly what the upstream reported for every request and checks the ledger against it
 * record by record, then the /v1/usage sums and the CSV export.
 */

const ADMIN_TOKEN = "tenants-admin-token";
const MODEL = "gpt-tenants";

interface Tenant {
  consumer: string;
  key: string;
  tenant: string;
  tier: string;
}
const ALICE: Tenant = { consumer: "alice", key: "sk-alice-7f3a", tenant: "acme", tier: "gold" };
const BOB: Tenant = { consumer: "bob", key: "sk-bob-91c2", tenant: "globex", tier: "silver" };
const CAROL: Tenant = { consumer: "carol", key: "sk-carol-5d08", tenant: "initech", tier: "bronze" };
const TENANTS = [ALICE, BOB, CAROL];
/** Bronze may send this many requests an hour per process (a Local limit). */
const BRONZE_REQUESTS = 6;

/** What the upstream reports for a prompt "usage <input> <output>": cached and reasoning parts too. */
function upstreamUsage(input: number, output: number) {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: Math.floor(input / 3) },
    completion_tokens_details: { reasoning_tokens: Math.floor(output / 4) },
  };
}

/** Chunks a slow stream ("slow" prompt) sends, 25 ms apart: long enough to be abandoned. */
const SLOW_CHUNKS = 80;

/** Chunks the slow stream got out before the gateway cancelled it. */
let slowChunksWritten = 0;

/**
 * An OpenAI chat upstream: "usage I O" answers O words with that usage (streamed one word a chunk,
 * usage last when asked for); "fail" answers 500; "slow" streams SLOW_CHUNKS words slowly.
 */
function tenantUpstream(req: { body: Buffer }, res: ServerResponse): void {
  const body = JSON.parse(req.body.toString("utf8")) as {
    messages: { content: string }[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  const prompt = body.messages.at(-1)?.content ?? "";
  if (prompt === "fail") {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "the model crashed", type: "server_error", code: null } }));
    return;
  }
  const slow = prompt === "slow";
  const [, input = "0", output = "0"] = /^usage (\d+) (\d+)$/.exec(prompt) ?? [];
  const outputTokens = slow ? SLOW_CHUNKS : Number(output);
  const usage = upstreamUsage(slow ? 10 : Number(input), outputTokens);
  const base = { id: "chatcmpl-tenant", created: 1_700_000_000, model: MODEL };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...base,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "word ".repeat(outputTokens).trim() },
            finish_reason: "stop",
          },
        ],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent < outputTokens) {
      res.write(chunk(sent === 0 ? { role: "assistant", content: "word" } : { content: " word" }, null));
      sent++;
      if (slow) slowChunksWritten++;
      if (slow) setTimeout(next, 25);
      else next();
      return;
    }
    res.write(chunk({}, "stop"));
    if (body.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  };
  next();
}

let database: ThrowawayDatabase;
let upstream: RecordingUpstream;
let gateways: ServingAigw[] = [];

function configText(upstreamUrl: string): string {
  const clientHeaders = Object.fromEntries(
    TENANTS.map((t) => [t.consumer, { "x-tenant-id": t.tenant, "x-tier": t.tier }]),
  );
  return configYaml(
    gatewayDocs(),
    openAIBackendDocs("up", upstreamUrl),
    routeDoc("tenants", {
      rules: [{ name: "chat", matches: [modelIs(MODEL)], backendRefs: [{ name: "up" }] }],
      llmRequestCosts: [
        { metadataKey: "llm_input_token", type: "InputToken" },
        { metadataKey: "llm_output_token", type: "OutputToken" },
        { metadataKey: "llm_total_token", type: "TotalToken" },
      ],
    }),
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "consumers",
        namespace: "default",
        annotations: { "aigw/client-headers": JSON.stringify(clientHeaders) },
      },
      stringData: Object.fromEntries(TENANTS.map((t) => [t.consumer, t.key])),
    },
    {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "SecurityPolicy",
      metadata: { name: "consumers", namespace: "default" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME }],
        apiKeyAuth: {
          credentialRefs: [{ group: "", kind: "Secret", name: "consumers" }],
          extractFrom: [{ headers: ["authorization"] }],
          forwardClientIDHeader: "x-consumer-id",
        },
      },
    },
    rateLimitPolicyDoc(
      "bronze",
      { route: "tenants" },
      [
        {
          clientSelectors: [{ headers: [{ name: "x-tier", type: "Exact", value: "bronze" }] }],
          limit: { requests: BRONZE_REQUESTS, unit: "Hour" },
        },
      ],
      { local: true },
    ),
  );
}

before(async () => {
  database = await createThrowawayDatabase();
  upstream = await startRecordingUpstream(tenantUpstream);
  const dir = mkdtempSync(join(tmpdir(), "aigw-tenants-"));
  const config = join(dir, "config.yaml");
  writeFileSync(config, configText(upstream.url));
  const env = cleanEnv({ AIGW_ADMIN_TOKEN: ADMIN_TOKEN, AIGW_DATA_HOME: dir });
  const args = [
    config,
    "--port",
    "0",
    "--admin-port",
    "0",
    "--host",
    "127.0.0.1",
    "--no-access-log",
    "--ledger",
    database.url,
    "--request-header-attributes",
    "x-tenant-id:tenant.id,x-tier:tier",
  ];
  gateways = await Promise.all([serveAigw(args, env), serveAigw(args, env)]);
});

after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await upstream?.close();
  await database?.drop();
});

/** One ledger record as the test expects it, minus what it cannot know in advance. */
interface Expected {
  consumer: string;
  tenant: string;
  tier: string;
  stream: boolean;
  status: number;
  input: number;
  output: number;
  error?: string;
}

function client(tenant: Tenant, gateway: ServingAigw, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: tenant.key,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

function say(content: string) {
  return [{ role: "user" as const, content }];
}

/** Sends one tenant's mix through `gateway`; returns what the ledger must hold for it. */
async function traffic(tenant: Tenant, gateway: ServingAigw, seed: number): Promise<Expected[]> {
  const expected: Expected[] = [];
  const who = { consumer: tenant.consumer, tenant: tenant.tenant, tier: tenant.tier };
  // A client claiming another tenant and consumer: the verified key decides, not these headers.
  const sdk = client(tenant, gateway, { "x-tenant-id": "spoofed", "x-consumer-id": "mallory" });
  for (let i = 0; i < 2; i++) {
    const input = seed + i * 7;
    const output = 3 + i;
    const answer = await sdk.chat.completions.create({
      model: MODEL,
      messages: say(`usage ${input} ${output}`),
    });
    assert.equal(answer.usage?.total_tokens, input + output);
    expected.push({ ...who, stream: false, status: 200, input, output });
  }
  const input = seed + 50;
  const stream = await sdk.chat.completions.create({
    model: MODEL,
    messages: say(`usage ${input} 6`),
    stream: true,
    stream_options: { include_usage: true },
  });
  let usage: OpenAI.CompletionUsage | undefined | null;
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  assert.equal(usage?.completion_tokens, 6);
  expected.push({ ...who, stream: true, status: 200, input, output: 6 });
  const failed = await sdk.chat.completions.create({ model: MODEL, messages: say("fail") }).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(
    failed instanceof OpenAI.APIError && failed.status === 500,
    `expected a 500, got ${String(failed)}`,
  );
  expected.push({ ...who, stream: false, status: 500, input: 0, output: 0, error: "upstream_500" });
  return expected;
}

/** A stream the client leaves after three chunks (raw HTTP, so the body's size is known). */
async function abandonedStream(tenant: Tenant, gateway: ServingAigw): Promise<{ bodyBytes: number }> {
  const body = JSON.stringify({ model: MODEL, messages: say("slow"), stream: true });
  const controller = new AbortController();
  const response = await request(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.key}` },
    body,
    signal: controller.signal,
  });
  assert.equal(response.statusCode, 200);
  let seen = 0;
  try {
    for await (const piece of response.body) {
      seen += (piece as Buffer).toString("utf8").split("data: ").length - 1;
      if (seen >= 3) controller.abort();
    }
  } catch {
    // The abort ends the body with an AbortError.
  }
  return { bodyBytes: Buffer.byteLength(body) };
}

async function usageApi(gateway: ServingAigw, path: string): Promise<{ status: number; text: string }> {
  const response = await request(`${gateway.adminUrl}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status: response.statusCode, text: await response.body.text() };
}

interface LedgerRecord {
  id: string;
  consumer: string | null;
  "tenant.id"?: string;
  tier?: string;
  route: string;
  rule: string;
  status: number;
  stream: boolean;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  costs: Record<string, number>;
  error: string | null;
  backend: string | null;
  attempts: number;
}

/** Every record, page by page (a small page, so the cursor is exercised), newest first. */
async function allRecords(gateway: ServingAigw, from: string): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ from, limit: "7", ...(cursor ? { cursor } : {}) });
    const page = await usageApi(gateway, `/v1/usage/records?${query}`);
    assert.equal(page.status, 200, page.text);
    const parsed = JSON.parse(page.text) as { records: LedgerRecord[]; next_cursor: string | null };
    records.push(...parsed.records);
    cursor = parsed.next_cursor;
  } while (cursor);
  return records;
}

function keyOf(r: {
  consumer: string | null;
  tenant?: string;
  tier?: string;
  stream: boolean;
  status: number;
  input: number;
  output: number;
}): string {
  return JSON.stringify([r.consumer, r.tenant, r.tier, r.stream, r.status, r.input, r.output]);
}

test("three tenants through two replicas: the shared PostgreSQL ledger matches the upstream's usage request by request", async () => {
  const from = new Date(Date.now() - 1000).toISOString();
  const [a, b] = gateways as [ServingAigw, ServingAigw];
  const expected: Expected[] = [];
  // Alice and Bob spread over both replicas; Carol (bronze, a Local limit) on the first only, so
  // which of her requests are refused is known.
  expected.push(...(await traffic(ALICE, a, 11)), ...(await traffic(ALICE, b, 21)));
  expected.push(...(await traffic(BOB, b, 31)), ...(await traffic(BOB, a, 41)));
  expected.push(...(await traffic(CAROL, a, 61)));
  // Carol has used 4 of her 6; two more pass, the next two are refused.
  const carol = client(CAROL, a);
  for (let i = 0; i < 4; i++) {
    const attempt = carol.chat.completions.create({ model: MODEL, messages: say(`usage ${70 + i} 2`) });
    if (i < 2) {
      await attempt;
      expected.push({ ...who(CAROL), stream: false, status: 200, input: 70 + i, output: 2 });
    } else {
      const refused = await attempt.then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(refused instanceof OpenAI.RateLimitError, `expected a 429, got ${String(refused)}`);
      expected.push({
        ...who(CAROL),
        stream: false,
        status: 429,
        input: 0,
        output: 0,
        error: "rate_limited",
      });
    }
  }
  // Refused by authentication: not in the ledger.
  const stranger = await new OpenAI({
    apiKey: "sk-nobody",
    baseURL: `${a.url}/v1`,
    maxRetries: 0,
  }).chat.completions
    .create({ model: MODEL, messages: say("usage 1 1") })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  assert.ok(stranger instanceof OpenAI.AuthenticationError);
  const abandoned = await abandonedStream(ALICE, b);

  const records = await waitFor(async () => {
    const all = await allRecords(a, from);
    return all.length >= expected.length + 1 ? all : undefined;
  });
  assert.equal(records.length, expected.length + 1, "one record per routed request, none for the 401");
  assert.equal(new Set(records.map((r) => r.id)).size, records.length, "ids are unique");
  for (let i = 1; i < records.length; i++) {
    const newer = records[i - 1] as unknown as { time: string };
    const older = records[i] as unknown as { time: string };
    assert.ok(newer.time >= older.time, "newest first");
  }
  // The abandoned stream: status 200, an error that says the client left, its usage as estimated.
  const left = records.filter((r) => r.error === "client_closed");
  assert.equal(left.length, 1);
  const leftRecord = left[0]!;
  assert.equal(leftRecord.consumer, "alice");
  assert.equal(leftRecord.status, 200);
  assert.equal(leftRecord.stream, true);
  assert.equal(leftRecord.input_tokens, Math.ceil(abandoned.bodyBytes / 4));
  assert.ok(leftRecord.output_tokens >= 3, `counted ${leftRecord.output_tokens} relayed chunks`);
  assert.ok(leftRecord.output_tokens <= slowChunksWritten, "no more than the upstream produced");
  assert.ok(slowChunksWritten < SLOW_CHUNKS, "the abandoned stream was cancelled upstream");

  const actual = records
    .filter((r) => r !== leftRecord)
    .map((r) => {
      assert.equal(r.route, "default/tenants");
      assert.equal(r.rule, "chat");
      assert.equal(r.total_tokens, r.input_tokens + r.output_tokens);
      if (r.status === 200) {
        assert.equal(r.cached_input_tokens, Math.floor(r.input_tokens / 3));
        assert.equal(r.reasoning_tokens, Math.floor(r.output_tokens / 4));
        assert.deepEqual(r.costs, {
          llm_input_token: r.input_tokens,
          llm_output_token: r.output_tokens,
          llm_total_token: r.total_tokens,
        });
        assert.equal(r.error, null);
        assert.equal(r.backend, "default/up");
      } else {
        assert.ok(r.error, `status ${r.status} has an error`);
      }
      return keyOf({
        consumer: r.consumer,
        tenant: r["tenant.id"],
        tier: r.tier,
        stream: r.stream,
        status: r.status,
        input: r.input_tokens,
        output: r.output_tokens,
      });
    })
    .sort();
  assert.deepEqual(actual, expected.map(keyOf).sort());
  const errors = records.filter((r) => r.status !== 200).map((r) => r.error);
  assert.deepEqual(errors.sort(), [...expected.filter((e) => e.error).map((e) => e.error)].sort());

  // Either replica answers for both: the sums by consumer and tenant.
  const grouped = await usageApi(b, `/v1/usage?from=${encodeURIComponent(from)}&group_by=consumer,tenant.id`);
  assert.equal(grouped.status, 200, grouped.text);
  const rows = (JSON.parse(grouped.text) as { rows: UsageRow[] }).rows;
  const want = sums(records);
  assert.equal(rows.length, TENANTS.length);
  for (const row of rows) {
    const expectedRow = want.get(row.consumer as string);
    assert.ok(expectedRow, `row for ${row.consumer}`);
    assert.equal(row["tenant.id"], expectedRow.tenant);
    assert.equal(row.requests, expectedRow.requests);
    assert.equal(row.input_tokens, expectedRow.input);
    assert.equal(row.output_tokens, expectedRow.output);
    assert.equal(row.total_tokens, expectedRow.input + expectedRow.output);
    assert.equal(row.costs.llm_total_token, expectedRow.cost);
  }

  // The CSV export parses back to the same numbers.
  const csv = await usageApi(
    a,
    `/v1/usage?from=${encodeURIComponent(from)}&group_by=consumer,tenant.id&format=csv`,
  );
  assert.equal(csv.status, 200);
  const [header, ...lines] = csv.text.trim().split(/\r?\n/);
  const columns = header!.split(",");
  assert.ok(columns.includes("cost.llm_total_token"), header);
  const parsedRows = lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [columns[i], v])));
  assert.equal(parsedRows.length, rows.length);
  for (const line of parsedRows) {
    const expectedRow = want.get(line["consumer"]!)!;
    assert.equal(line["tenant.id"], expectedRow.tenant);
    assert.equal(Number(line["requests"]), expectedRow.requests);
    assert.equal(Number(line["input_tokens"]), expectedRow.input);
    assert.equal(Number(line["output_tokens"]), expectedRow.output);
    assert.equal(Number(line["cost.llm_total_token"]), expectedRow.cost);
  }
});

function who(t: Tenant) {
  return { consumer: t.consumer, tenant: t.tenant, tier: t.tier };
}

interface UsageRow {
  consumer?: string;
  "tenant.id"?: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  costs: Record<string, number>;
}

function sums(records: LedgerRecord[]) {
  const out = new Map<
    string,
    { tenant: string; requests: number; input: number; output: number; cost: number }
  >();
  for (const r of records) {
    const entry = out.get(r.consumer ?? "") ?? {
      tenant: r["tenant.id"] ?? "",
      requests: 0,
      input: 0,
      output: 0,
      cost: 0,
    };
    entry.requests++;
    entry.input += r.input_tokens;
    entry.output += r.output_tokens;
    entry.cost += r.costs.llm_total_token ?? 0;
    out.set(r.consumer ?? "", entry);
  }
  return out;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the ledger");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

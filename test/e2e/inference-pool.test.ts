import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { startGateway } from "../../src/gateway/start-gateway.js";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import { apiKeyPolicyDocs, configYaml, gatewayDocs, openAIBackendDocs } from "../support/gateway-yaml.js";
import { type PoolPod, poolDocs, poolRouteDoc, startSimPool } from "../support/sim-pool.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

const MODEL = "sim-model";

const pods = (count: number): PoolPod[] =>
  Array.from({ length: count }, (_, i) => ({ ip: `127.0.0.${i + 2}` }));

function openai(gw: TestGateway | { url: string }, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0, defaultHeaders: headers });
}

/** The endpoint ("ip:port") that answered a request. */
const servedBy = (r: RequestRecord): string | undefined => r.inference?.endpoint;

/** A chat whose system prompt is one of a few long shared prefixes. */
function chat(prefix: string, question: string, maxTokens = 4) {
  return {
    model: MODEL,
    max_tokens: maxTokens,
    messages: [
      { role: "system" as const, content: `${prefix} `.repeat(80) },
      { role: "user" as const, content: question },
    ],
  };
}

/** The picker has scraped every endpoint (one scrape interval is 50 ms). */
const scraped = () => new Promise((resolve) => setTimeout(resolve, 150));

describe("inference pools: the built-in endpoint picker over simulated replicas", () => {
  it("requests sharing a prefix stick to the replica that cached it", async () => {
    const pool = await startSimPool(3, { prefillMsPerToken: 0.5, kvCacheBlocks: 2048 });
    const gw = await startTestGateway(
      configYaml(gatewayDocs(), poolDocs(pool.port, pods(3)), poolRouteDoc(MODEL)),
    );
    try {
      await scraped();
      const client = openai(gw);
      for (let i = 0; i < 6; i++) await client.chat.completions.create(chat("alpha", `question ${i}`));
      const records = await gw.waitForRecords(6);
      const endpoints = new Set(records.map(servedBy));
      assert.equal(endpoints.size, 1, `alpha went to ${[...endpoints].join(", ")}`);
      const [first] = records;
      assert.ok(first!.inference?.scores && first!.inference.scores.length === 3);
      // From the second request on, the replica that holds the prefix leads on prefix affinity.
      const later = records[5]!.inference!.scores!;
      assert.equal(later[0]!.address, servedBy(first!));
      assert.ok(later[0]!.prefix > 0.9, `prefix score ${later[0]!.prefix}`);
      // And the replica saw the hits: its prefix cache served most of the prompt.
      const index = [0, 1, 2].find((i) => pool.address(i) === servedBy(first!))!;
      assert.ok((await pool.gauge(index, "vllm:prefix_cache_hits_total"))! > 0);
    } finally {
      await gw.close();
      await pool.close();
    }
  });

  it("a LoRA request lands where its adapter is running; another adapter goes where a slot is free", async () => {
    const pool = await startSimPool(2, {
      loraModules: ["sql", "chat"],
      maxLoras: 1,
      itlMs: 40,
      kvCacheBlocks: 4096,
    });
    const gw = await startTestGateway(
      configYaml(gatewayDocs(), poolDocs(pool.port, pods(2)), poolRouteDoc("sql"), poolRouteDoc("chat")),
    );
    try {
      await scraped();
      const client = openai(gw);
      // A long sql request keeps the adapter running on one replica.
      const long = client.chat.completions.create({
        model: "sql",
        max_tokens: 40,
        messages: [{ role: "user", content: "long" }],
      });
      const hot = await until("the long request runs", async () => {
        const running = await Promise.all([0, 1].map((i) => pool.gauge(i, "vllm:num_requests_running")));
        return running.indexOf(1);
      });
      await scraped();
      for (let i = 0; i < 3; i++) {
        await client.chat.completions.create({
          model: "sql",
          max_tokens: 1,
          messages: [{ role: "user", content: `q${i}` }],
        });
      }
      await client.chat.completions.create({
        model: "chat",
        max_tokens: 1,
        messages: [{ role: "user", content: "c" }],
      });
      await long;
      const records = await gw.waitForRecords(5);
      const sql = records.filter((r) => r.originalModel === "sql" && r.usage.outputTokens === 1);
      assert.deepEqual(
        sql.map(servedBy),
        [pool.address(hot), pool.address(hot), pool.address(hot)],
        JSON.stringify(sql.map((r) => r.inference)),
      );
      const chatRecord = records.find((r) => r.originalModel === "chat")!;
      assert.equal(servedBy(chatRecord), pool.address(1 - hot));
      assert.equal(chatRecord.inference!.scores![0]!.lora, 0.8);
    } finally {
      await gw.close();
      await pool.close();
    }
  });

  it("at saturation a sheddable request gets 429 with the reason; a critical one is still served", async () => {
    // 16 blocks of 16 tokens: one ~900-character prompt fills a replica's KV cache past 80%.
    const pool = await startSimPool(2, { kvCacheBlocks: 16, blockSize: 16, itlMs: 40 });
    const objectives = { batch: -1, interactive: 10 };
    const gw = await startTestGateway(
      configYaml(gatewayDocs(), poolDocs(pool.port, pods(2), objectives), poolRouteDoc(MODEL)),
    );
    try {
      await scraped();
      const client = openai(gw);
      const heavy = (i: number) =>
        client.chat.completions.create({
          model: MODEL,
          max_tokens: 20,
          messages: [{ role: "user", content: `${i} ${"x".repeat(860)}` }],
        });
      const busy = [heavy(1), heavy(2)];
      await until("both replicas' KV caches are over 80%", async () => {
        const kv = await Promise.all([0, 1].map((i) => pool.gauge(i, "vllm:kv_cache_usage_perc")));
        return kv.every((v) => v! > 0.8) ? 0 : -1;
      });
      await scraped();
      await assert.rejects(
        openai(gw, { "x-gateway-inference-objective": "batch" }).chat.completions.create(
          chat("b", "shed me"),
        ),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.RateLimitError, String(err));
          assert.match(err.message, /saturated/);
          assert.equal(err.headers?.get("x-llm-d-request-dropped-reason"), "rejected-saturated");
          return true;
        },
      );
      const critical = await openai(gw, {
        "x-gateway-inference-objective": "interactive",
      }).chat.completions.create({
        model: MODEL,
        max_tokens: 1,
        messages: [{ role: "user", content: "keep me" }],
      });
      assert.equal(critical.choices.length, 1);
      await Promise.all(busy);
      const records = await gw.waitForRecords(4);
      const shed = records.find((r) => r.status === 429)!;
      assert.equal(shed.inference?.refused, "shed");
      assert.equal(shed.inference?.objective, "batch");
      assert.equal(shed.attempts.length, 0, "a shed request reaches no replica");
      const kept = records.find((r) => r.inference?.objective === "interactive")!;
      assert.equal(kept.status, 200);
      assert.equal(kept.inference?.reason, "saturated");
    } finally {
      await gw.close();
      await pool.close();
    }
  });

  it("a replica killed mid-run is avoided, and its in-flight request is retried on another", async () => {
    const pool = await startSimPool(2, { prefillOverheadMs: 600 });
    const gw = await startTestGateway(
      configYaml(gatewayDocs(), poolDocs(pool.port, pods(2)), poolRouteDoc(MODEL)),
    );
    try {
      await scraped();
      const client = openai(gw);
      const inFlight = client.chat.completions.create(chat("k", "in flight"));
      const victim = await until("the request reaches a replica", async () => {
        const running = await Promise.all([0, 1].map((i) => pool.gauge(i, "vllm:num_requests_running")));
        return running.indexOf(1);
      });
      await pool.kill(victim);
      const answer = await inFlight;
      assert.equal(answer.choices.length, 1);
      const [retried] = await gw.waitForRecords(1);
      assert.equal(retried!.attempts.length, 2);
      assert.equal(retried!.attempts[0]!.backend, `default/pool@${pool.address(victim)}`);
      assert.match(retried!.attempts[0]!.error ?? "", /upstream_(reset|unreachable)/);
      assert.equal(servedBy(retried!), pool.address(1 - victim));
      for (let i = 0; i < 4; i++) await client.chat.completions.create(chat("k", `after ${i}`));
      const after = (await gw.waitForRecords(5)).slice(1);
      for (const r of after) {
        assert.equal(r.status, 200);
        assert.deepEqual(
          r.attempts.map((a) => a.backend),
          [`default/pool@${pool.address(1 - victim)}`],
        );
      }
    } finally {
      await gw.close();
      await pool.close();
    }
  });

  it("pods marked not Ready by a reload stop receiving traffic within a second of the file change", async () => {
    const pool = await startSimPool(3);
    const dir = mkdtempSync(join(tmpdir(), "aigw-pool-"));
    const file = join(dir, "config.yaml");
    const config = (ready: boolean) =>
      configYaml(
        gatewayDocs(),
        poolDocs(pool.port, [{ ip: "127.0.0.2" }, { ip: "127.0.0.3", ready }, { ip: "127.0.0.4" }]),
        poolRouteDoc(MODEL),
      );
    writeFileSync(file, config(true));
    const records: RequestRecord[] = [];
    const gateway = await startGateway({
      configPaths: [file],
      port: 0,
      adminPort: 0,
      host: "127.0.0.1",
      accessLog: false,
      log: () => undefined,
      onRequest: (r) => records.push(r),
    });
    try {
      await scraped();
      const client = openai(gateway);
      const before = gateway.generation();
      const written = performance.now();
      writeFileSync(file, config(false));
      // Requests keep flowing while the reload lands: none may fail.
      const during: Promise<unknown>[] = [];
      while (gateway.generation() === before) {
        assert.ok(performance.now() - written < 1000, "the reload took more than 1 s");
        during.push(client.chat.completions.create(chat("r", "during")));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all(during);
      const reloadedAt = records.length;
      for (let i = 0; i < 12; i++) await client.chat.completions.create(chat(`p${i}`, "after"));
      await waitFor("12 records after the reload", () => records.length >= reloadedAt + 12);
      const after = records.slice(reloadedAt);
      assert.ok(after.every((r) => r.status === 200));
      assert.ok(!after.some((r) => servedBy(r) === pool.address(1)), "the not-Ready pod still got traffic");
      assert.ok(records.slice(0, reloadedAt).every((r) => r.status === 200));
    } finally {
      await gateway.close();
      await pool.close();
    }
  });

  it("without a Ready endpoint the rule's fallback serves; without a fallback the client gets 503 in its own envelope", async () => {
    const hosted = await startFakeOpenAI();
    const notReady: PoolPod[] = [{ ip: "127.0.0.2", ready: false }];
    const gw = await startTestGateway(
      configYaml(
        gatewayDocs(),
        poolDocs(8000, notReady),
        poolRouteDoc(MODEL, "hosted"),
        openAIBackendDocs("hosted", hosted.url),
        poolRouteDoc("no-fallback"),
      ),
    );
    try {
      const answer = await openai(gw).chat.completions.create(chat("f", "fallback please"));
      assert.ok(answer.choices[0]?.message.content);
      assert.equal(hosted.requests.length, 1);
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: "unused", maxRetries: 0 });
      await assert.rejects(
        anthropic.messages.create({
          model: "no-fallback",
          max_tokens: 5,
          messages: [{ role: "user", content: "hi" }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.APIError, String(err));
          assert.equal(err.status, 503);
          assert.equal((err.error as { type?: string })?.type, "error");
          assert.match(err.message, /ready endpoint|no endpoint/i);
          return true;
        },
      );
      const records = await gw.waitForRecords(2);
      assert.equal(records[0]!.inference?.fallback, true);
      assert.equal(records[0]!.inference?.refused, "no_endpoint");
      assert.equal(records[0]!.backend, "default/hosted");
      assert.equal(records[1]!.status, 503);
    } finally {
      await gw.close();
      await hosted.close();
    }
  });
});

describe("inference pools: credentials and rewrites", () => {
  it("a BackendSecurityPolicy targeting the pool gives every endpoint its key; a rewrite picks the model sent", async () => {
    // A pod that is an OpenAI-compatible server with no /metrics: the picker ranks it by in-flight.
    const server = await startFakeOpenAI();
    const [policy] = apiKeyPolicyDocs("pool", "APIKey", "sk-pool-key").slice(1) as Record<string, unknown>[];
    (policy!.spec as Record<string, unknown>).targetRefs = [
      { group: "inference.networking.k8s.io", kind: "InferencePool", name: "pool" },
    ];
    const rewrite = {
      apiVersion: "llm-d.ai/v1alpha2",
      kind: "InferenceModelRewrite",
      metadata: { name: "canary", namespace: "default" },
      spec: {
        poolRef: { name: "pool" },
        rules: [
          {
            matches: [{ model: { type: "Exact", value: MODEL } }],
            targets: [{ modelRewrite: "llama-3b", weight: 1 }],
          },
        ],
      },
    };
    const gw = await startTestGateway(
      configYaml(
        gatewayDocs(),
        poolDocs(server.port, [{ ip: "127.0.0.1" }]),
        poolRouteDoc(MODEL),
        apiKeyPolicyDocs("pool", "APIKey", "sk-pool-key")[0]!,
        policy!,
        rewrite,
      ),
    );
    try {
      await openai(gw, { authorization: "Bearer client-key" }).chat.completions.create(chat("c", "hi"));
      const sent = server.requests.find((r) => r.url.includes("/chat/completions"))!;
      assert.equal(sent.headers.authorization, "Bearer sk-pool-key");
      assert.equal(JSON.parse(sent.body.toString()).model, "llama-3b");
      const [record] = await gw.waitForRecords(1);
      assert.equal(record!.requestModel, "llama-3b");
      assert.equal(record!.credentialPolicy, "default/pool-apikey");
    } finally {
      await gw.close();
      await server.close();
    }
  });
});

/** Polls `probe` every 20 ms until it gives an index >= 0 (within 3 s), and returns it. */
async function until(what: string, probe: () => Promise<number>): Promise<number> {
  const deadline = performance.now() + 3000;
  for (;;) {
    const found = await probe();
    if (found >= 0) return found;
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

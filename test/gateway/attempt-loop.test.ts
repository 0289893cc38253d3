import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { Pool } from "undici";
import type { CompiledBackendRef, CompiledRoute, CompiledRule } from "../../src/config/snapshot.js";
import { chatCompletionsEndpoint } from "../../src/endpoints/openai-endpoints.js";
import { AttemptLoop } from "../../src/gateway/attempt-loop.js";
import type { GatewayError } from "../../src/gateway/gateway-error.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { JSON_TYPE, sendBody } from "../../src/gateway/send-response.js";
import type { Translator } from "../../src/providers/translator.js";
import { BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import { DEFAULT_TRAFFIC_POLICY } from "../../src/upstream/traffic-policy.js";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { sendRaw } from "../support/send-raw.js";

/** An upstream answering every request with a small JSON body. */
let upstream: Server;
let pool: Pool;

before(async () => {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  pool = new Pool(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

after(async () => {
  await pool.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

const route = {
  key: "default/r",
  costs: [],
  computeCosts: () => ({}),
  traffic: DEFAULT_TRAFFIC_POLICY,
  policies: [],
} as unknown as CompiledRoute;

function ruleWith(translator: Translator): CompiledRule {
  const ref = {
    backend: {
      key: "default/b",
      schema: { name: "OpenAI" },
      translators: { "openai-chat": translator },
      hostHeader: "127.0.0.1",
      dispatcher: pool,
      credentials: undefined,
    },
    weight: 1,
    priority: 0,
  } as unknown as CompiledBackendRef;
  return {
    name: "rule/0",
    tiers: [[ref]],
    requestTimeoutMs: 5000,
    backendRequestTimeoutMs: 0,
    streamIdleTimeoutMs: 0,
  } as unknown as CompiledRule;
}

/** Serves one request through an AttemptLoop with `translator`; resolves the client's answer and the record. */
async function loopWith(translator: Translator) {
  let resolveRecord: (r: RequestRecord) => void = () => undefined;
  const recorded = new Promise<RequestRecord>((resolve) => {
    resolveRecord = resolve;
  });
  const gateway = createServer((req, res) => {
    const record = { usage: emptyUsage(), costs: {}, status: 0, attempts: [] } as unknown as RequestRecord;
    const answer = (e: GatewayError) => {
      record.status = e.status;
      record.error = e.logCode;
      sendBody(res, e.status, JSON_TYPE, chatCompletionsEndpoint.errorBody(e.status, e.type, e.message));
    };
    new AttemptLoop({
      res,
      record,
      call: {
        endpoint: chatCompletionsEndpoint,
        path: "/v1/chat/completions",
        headers: req.headers,
        body: { model: "m" },
        raw: Buffer.from('{"model":"m"}'),
        model: "m",
        stream: false,
        forceIncludeUsage: false,
        clientAddress: undefined,
      },
      route,
      rule: ruleWith(translator),
      health: new BackendHealthRegistry(),
      started: performance.now(),
      done: resolveRecord,
      answer,
      debugHeaders: false,
    }).start();
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  try {
    const answer = await sendRaw(`http://127.0.0.1:${(gateway.address() as AddressInfo).port}/`, {
      body: "{}",
    });
    return { answer, record: await recorded };
  } finally {
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
  }
}

const failing = (where: "response" | "body"): Translator => ({
  request: () => ({ path: "/", body: "" }),
  response: () => {
    if (where === "response") throw new Error("broken response()");
    return {
      streamContentType: "text/event-stream",
      usage: emptyUsage(),
      responseModel: undefined,
      body: () => {
        throw new Error("broken body()");
      },
      chunk: () => undefined,
      end: () => undefined,
    };
  },
});

for (const where of ["response", "body"] as const) {
  test(`a translator that throws in ${where}() gives the client a 500 in its envelope, and the record says why`, async () => {
    const { answer, record } = await loopWith(failing(where));
    assert.equal(answer.status, 500);
    assert.deepEqual(JSON.parse(answer.text), {
      type: "error",
      error: { type: "InternalError", code: "500", message: "the gateway failed to translate the answer" },
    });
    assert.equal(record.status, 500);
    assert.equal(record.error, `internal_error: broken ${where}()`);
    assert.deepEqual(
      record.attempts.map((a) => [a.backend, a.status, a.error]),
      [["default/b", 200, "internal_error"]],
      "one attempt, not retried: a translation bug is not the backend's failure",
    );
  });
}

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { Pool } from "undici";
import type { CompiledRoute } from "../../src/config/snapshot.js";
import { chatCompletionsEndpoint } from "../../src/endpoints/openai-endpoints.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { UpstreamExchange } from "../../src/gateway/upstream-exchange.js";
import type { TranslateRequestInput, Translator } from "../../src/providers/translator.js";
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

const request: TranslateRequestInput = {
  body: { model: "m" },
  raw: Buffer.from('{"model":"m"}'),
  model: "m",
  modelOverridden: false,
  stream: false,
  forceIncludeUsage: false,
  schema: { name: "OpenAI" },
  headers: {},
};

const route = { key: "default/r", costs: [], computeCosts: () => ({}) } as unknown as CompiledRoute;

/** Serves one request through an UpstreamExchange with `translator`; resolves the client's answer and the record. */
async function exchangeWith(translator: Translator) {
  let resolveRecord: (r: RequestRecord) => void = () => undefined;
  const recorded = new Promise<RequestRecord>((resolve) => {
    resolveRecord = resolve;
  });
  const gateway = createServer((_req, res) => {
    const record = { usage: emptyUsage(), costs: {}, status: 0 } as unknown as RequestRecord;
    new UpstreamExchange({
      res,
      record,
      endpoint: chatCompletionsEndpoint,
      translator,
      request,
      route,
      backendKey: "default/b",
      started: performance.now(),
      done: resolveRecord,
    }).start(pool, { method: "POST", path: "/v1/chat/completions", body: request.raw }, 5000);
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
    const { answer, record } = await exchangeWith(failing(where));
    assert.equal(answer.status, 500);
    assert.deepEqual(JSON.parse(answer.text), {
      type: "error",
      error: { type: "InternalError", code: "500", message: "the gateway failed to translate the answer" },
    });
    assert.equal(record.status, 500);
    assert.equal(record.error, `internal_error: broken ${where}()`);
  });
}

import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import {
  type BodyLimitHarness,
  startBodyLimitHarness,
  uploadWhileWriting,
} from "../support/oversized-body.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * A body over the buffer limit, sent by clients that are still writing when the gateway decides:
 * the official SDK and node:http (chunked and with Content-Length) must read the 413, not fail
 * with EPIPE or ECONNRESET because the connection closed under their writes.
 */

const LIMIT = 64 * 1024;
/**
 * Over the limit and more than loopback socket buffers hold (at 2 MiB a client may finish writing
 * before the connection closes), under what discardRemainingBody reads by default (10 MiB).
 */
const BODY_BYTES = 8 * 1024 * 1024;

function bigChat(): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return { model: "gpt-test", messages: [{ role: "user", content: "x".repeat(BODY_BYTES) }] };
}

async function sdkStatus(baseURL: string): Promise<number | string> {
  const client = new OpenAI({ baseURL, apiKey: "sk-test", maxRetries: 0 });
  try {
    await client.chat.completions.create(bigChat());
    return "answered";
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return err.status;
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe("the 413 path with discardRemainingBody (local harness)", () => {
  let harness: BodyLimitHarness;
  before(async () => {
    harness = await startBodyLimitHarness(LIMIT);
  });
  after(() => harness.close());

  test("openai SDK: APIError 413", async () => {
    assert.equal(await sdkStatus(`${harness.url}/v1`), 413);
  });

  test("node:http writing a chunked body: 413 and no write error", async () => {
    const seen = await uploadWhileWriting(`${harness.url}/v1/chat/completions`, BODY_BYTES);
    assert.deepEqual([seen.status, seen.error], [413, undefined]);
  });

  test("node:http writing a body with Content-Length: 413 and no write error", async () => {
    const seen = await uploadWhileWriting(`${harness.url}/v1/chat/completions`, BODY_BYTES, {
      contentLength: BODY_BYTES,
    });
    assert.deepEqual([seen.status, seen.error], [413, undefined]);
  });
});

describe("the gateway's 413 (bufferLimit 64Ki)", () => {
  let upstream: RecordingUpstream;
  let gateway: TestGateway;
  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(
      configYaml(
        gatewayDocs({ bufferLimit: "64Ki" }),
        openAIBackendDocs("fake", upstream.url),
        routeDoc("r", { rules: [{ matches: [modelIs("gpt-test")], backendRefs: [{ name: "fake" }] }] }),
      ),
    );
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  test("openai SDK: APIError 413", async () => {
    assert.equal(await sdkStatus(`${gateway.url}/v1`), 413);
    assert.equal(upstream.requests.length, 0);
  });

  test("node:http writing a chunked body: 413 and no write error", async () => {
    const seen = await uploadWhileWriting(`${gateway.url}/v1/chat/completions`, BODY_BYTES);
    assert.deepEqual([seen.status, seen.error], [413, undefined]);
  });

  test("node:http writing a body with Content-Length: 413 and no write error", async () => {
    const seen = await uploadWhileWriting(`${gateway.url}/v1/chat/completions`, BODY_BYTES, {
      contentLength: BODY_BYTES,
    });
    assert.deepEqual([seen.status, seen.error], [413, undefined]);
  });
});

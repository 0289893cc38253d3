import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request } from "undici";
import { isEventStream, listCassetteNames, loadAllCassettes, recordedUsage } from "../support/cassettes.js";
import { CASSETTE_HEADER, startReplayUpstream } from "../support/fake-openai-replay.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { splitSseEvents } from "../support/sse-events.js";

/**
 * The replay harness itself, without the gateway: if it were wrong, the conformance suite would test
 * nothing. Asked directly, it must answer every recording verbatim and refuse anything that drifted.
 */

const cassettes = loadAllCassettes().filter((c) => !c.interactions[0]!.request.body.startsWith("[multipart"));
let upstream: RecordingUpstream;

before(async () => {
  upstream = await startReplayUpstream(cassettes);
});
after(() => upstream.close());

test("all 43 cassettes load", () => {
  assert.equal(listCassetteNames().length, 43);
});

test("every recording is answered verbatim, streams event by event", async () => {
  for (const cassette of cassettes) {
    for (const { request: recorded, response } of cassette.interactions) {
      const res = await request(`${upstream.url}${recorded.path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: recorded.body,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      assert.equal(res.statusCode, response.status, `${cassette.name}: ${text}`);
      assert.equal(res.headers["content-type"], response.contentType, cassette.name);
      assert.equal(text, response.body, cassette.name);
      if (isEventStream(response)) assert.ok(chunks.length > 1, `${cassette.name}: written event by event`);
    }
  }
});

test("a JSON-equal body with other whitespace and key order still matches", async () => {
  const cassette = cassettes.find((c) => c.name === "chat-basic")!;
  const { request: recorded, response } = cassette.interactions[0]!;
  const parsed = JSON.parse(recorded.body) as Record<string, unknown>;
  const reordered = JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()));
  const res = await request(`${upstream.url}${recorded.path}`, { method: "POST", body: reordered });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), response.body);
});

test("a drifted body is refused with 409 and a diagnostic naming the cassette", async () => {
  const res = await request(`${upstream.url}/v1/chat/completions`, {
    method: "POST",
    headers: { [CASSETTE_HEADER]: "chat-basic" },
    body: JSON.stringify({ model: "gpt-5-nano", messages: [{ role: "user", content: "Bye!" }] }),
  });
  assert.equal(res.statusCode, 409);
  const text = await res.body.text();
  assert.match(
    text,
    /replay drift: no recorded interaction matches POST \/v1\/chat\/completions in cassette chat-basic/,
  );
  assert.match(text, /"Hello!"/, "shows the expected body");
});

test("recorded usage: plain, streamed (last usage chunk), none, and errors", () => {
  const usageOf = (name: string) => recordedUsage(cassettes.find((c) => c.name === name)!.interactions[0]!);
  assert.deepEqual(usageOf("chat-basic"), {
    inputTokens: 8,
    outputTokens: 377,
    totalTokens: 385,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 320,
  });
  assert.deepEqual(usageOf("completion-streaming-usage"), {
    inputTokens: 31,
    outputTokens: 25,
    totalTokens: 56,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
  const zero = {
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  };
  assert.deepEqual(usageOf("chat-streaming"), zero, "no include_usage: no usage chunk");
  assert.deepEqual(usageOf("chat-bad-request"), zero);
  const events = splitSseEvents(
    cassettes.find((c) => c.name === "chat-streaming")!.interactions[0]!.response.body,
  );
  assert.equal(events.at(-1), "data: [DONE]\n\n");
});

import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openAISchemaTranslators } from "../../../src/providers/openai/openai-schema-translators.js";
import type {
  ClientApi,
  ResponseTranslator,
  TranslateRequestInput,
} from "../../../src/providers/translator.js";
import { emptyUsage } from "../../../src/usage/token-usage.js";
import { loadCassette, recordedUsage } from "../../support/cassettes.js";
import { expectedUsage } from "../../support/expected-usage.js";
import { splitSseEvents } from "../../support/sse-events.js";
import {
  AWKWARD_PIECE_SIZES,
  requestInput,
  responseContext,
  runStream,
} from "../anthropic/translator-harness.js";

/**
 * A streaming OpenAI-schema client that did not ask for usage on a route with costs: the gateway asks
 * the upstream for it (stream_options.include_usage) and must take the usage-only chunk back out of
 * the stream, byte-exactly and however the upstream's bytes are cut, while still counting it. A client
 * that asked for usage, or a route without costs, gets the upstream's bytes untouched.
 */

/** OpenAI's own answers (go-vcr recordings): chat with `"usage":null,` mid-chunk, completions with `"usage":null}`. */
const CHAT = loadCassette("chat-streaming-detailed-usage").interactions[0]!;
const COMPLETIONS = loadCassette("completion-streaming-usage").interactions[0]!;

/** The client's streamed request as the gateway hands it to both sides, with the client's stream_options. */
function clientRequest(
  api: ClientApi,
  options: { forceIncludeUsage: boolean; streamOptions?: unknown },
): TranslateRequestInput {
  const body: Record<string, unknown> = {
    model: "gpt-5-nano",
    ...(api === "openai-chat" ? { messages: [{ role: "user", content: "Hi" }] } : { prompt: "Hi" }),
    stream: true,
    ...(options.streamOptions === undefined ? {} : { stream_options: options.streamOptions }),
  };
  return requestInput(body, { schema: { name: "OpenAI" }, forceIncludeUsage: options.forceIncludeUsage });
}

/** The stream translator the gateway uses for `request`, after the request side has translated it. */
function streamTranslator(api: ClientApi, request: TranslateRequestInput): ResponseTranslator {
  const translator = openAISchemaTranslators[api]!;
  translator.request(request);
  return translator.response(
    responseContext(200, request.model, {
      stream: true,
      headers: { "content-type": "text/event-stream" },
      request,
    }),
  );
}

const forcedChat = () =>
  streamTranslator("openai-chat", clientRequest("openai-chat", { forceIncludeUsage: true }));

/**
 * What a client that did not ask for usage must get, computed from the upstream's body with the
 * test's own naive splitter: every event but the one whose JSON has `choices: []` and a usage object,
 * and no `,"usage":null` member.
 */
function withoutForcedUsage(body: string): string {
  return splitSseEvents(body)
    .filter((event) => !(event.includes('"choices":[]') && event.includes('"usage":{')))
    .map((event) => event.replace(',"usage":null', ""))
    .join("");
}

/** Feeds `text` cut at the given byte offsets (one chunk per piece), then ends; returns everything written. */
function runCutAt(translator: ResponseTranslator, text: string, cuts: number[]): string {
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const piece = translator.chunk(Buffer.from(bytes.subarray(start, cut)));
    if (piece !== undefined) out.push(Buffer.from(piece));
    start = cut;
  }
  const tail = translator.end();
  if (tail !== undefined) out.push(Buffer.from(tail));
  return Buffer.concat(out).toString("utf8");
}

/** A chat chunk in the documented wire format, as the line `data: {...}` plus its blank line. */
function chatEvent(fields: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", ...fields })}\n\n`;
}

const CACHED_USAGE = {
  prompt_tokens: 20,
  completion_tokens: 7,
  total_tokens: 27,
  prompt_tokens_details: { cached_tokens: 12 },
};
const HAND_WRITTEN = [
  chatEvent({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }], usage: null }),
  chatEvent({ choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: "stop" }], usage: null }),
  chatEvent({ choices: [], usage: CACHED_USAGE }),
  "data: [DONE]\n\n",
].join("");

describe("OpenAI passthrough stream when the gateway forced usage", () => {
  it("a recorded OpenAI chat stream loses only its usage chunk and null usage members, at every piece size", () => {
    const body = CHAT.response.body;
    const expected = withoutForcedUsage(body);
    assert.ok(expected.length < body.length - 300, "the oracle removed the usage chunk");
    assert.ok(expected.endsWith("data: [DONE]\n\n"));
    for (const size of AWKWARD_PIECE_SIZES) {
      const translator = forcedChat();
      assert.equal(runStream(translator, body, size), expected, `piece size ${size}`);
      assert.deepEqual(translator.usage, recordedUsage(CHAT), `usage, piece size ${size}`);
      assert.equal(translator.responseModel, "gpt-5-nano-2025-08-07");
    }
  });

  it("cuts inside the usage event's `data:`, inside its JSON and between its line ends change nothing", () => {
    const usageStart = HAND_WRITTEN.lastIndexOf("data:", HAND_WRITTEN.indexOf('"choices":[]'));
    const doneStart = HAND_WRITTEN.indexOf("data: [DONE]");
    const expected = withoutForcedUsage(HAND_WRITTEN);
    const cutsList = [
      [usageStart + 2],
      [usageStart + 3, usageStart + 40],
      [usageStart + 60, doneStart - 1],
      [doneStart - 1, doneStart + 2],
      [5, usageStart, doneStart],
    ];
    for (const cuts of cutsList) {
      const translator = forcedChat();
      assert.equal(runCutAt(translator, HAND_WRITTEN, cuts), expected, `cuts ${cuts.join(",")}`);
      assert.deepEqual(translator.usage, expectedUsage(CACHED_USAGE));
    }
  });

  it("counts input, output, total and cached tokens from the chunk it removes", () => {
    const translator = forcedChat();
    const out = runStream(translator, HAND_WRITTEN, 1 << 20);
    assert.ok(!out.includes('"usage"'), out);
    assert.deepEqual(translator.usage, {
      ...emptyUsage(),
      inputTokens: 20,
      outputTokens: 7,
      totalTokens: 27,
      cachedInputTokens: 12,
    });
  });

  it("handles CRLF and CR line ends, also when a line end is cut in two", () => {
    for (const eol of ["\r\n", "\r"]) {
      const body = HAND_WRITTEN.replaceAll("\n", eol);
      const expected = withoutForcedUsage(HAND_WRITTEN).replaceAll("\n", eol);
      for (const size of [1, 2, 3, 7, 1 << 20]) {
        const translator = forcedChat();
        assert.equal(
          runStream(translator, body, size),
          expected,
          `${JSON.stringify(eol)} piece size ${size}`,
        );
        assert.deepEqual(translator.usage, expectedUsage(CACHED_USAGE));
      }
    }
  });

  it("keeps comments, named events and an unterminated [DONE]; drops a usage chunk that ends the stream unclosed", () => {
    const content = chatEvent({ choices: [{ index: 0, delta: { content: "Hi" } }] });
    const usage = chatEvent({ choices: [], usage: CACHED_USAGE }).trimEnd();
    const body = `: keep-alive\n\n${content}event: note\ndata: {"x":1}\n\n: processing\n\n${usage}`;
    for (const size of [1, 5, 1 << 20]) {
      const translator = forcedChat();
      assert.equal(
        runStream(translator, body, size),
        `: keep-alive\n\n${content}event: note\ndata: {"x":1}\n\n: processing\n\n`,
      );
      assert.deepEqual(translator.usage, expectedUsage(CACHED_USAGE));
    }
    const done = `${content}${chatEvent({ choices: [], usage: CACHED_USAGE })}data: [DONE]`;
    assert.equal(runStream(forcedChat(), done, 3), `${content}data: [DONE]`);
  });

  it("keeps a chunk that has choices beside its usage (vLLM continuous usage, usage on the last content chunk)", () => {
    const usageAt = (n: number) => ({ prompt_tokens: 5, completion_tokens: n, total_tokens: 5 + n });
    const vllm = [
      chatEvent({ choices: [{ index: 0, delta: { content: "A" } }], usage: usageAt(1) }),
      chatEvent({
        choices: [{ index: 0, delta: { content: "B" }, finish_reason: "stop" }],
        usage: usageAt(2),
      }),
      chatEvent({ choices: [], usage: usageAt(2) }),
      "data: [DONE]\n\n",
    ].join("");
    const vllmTranslator = forcedChat();
    const out = runStream(vllmTranslator, vllm, 7);
    assert.equal(out, vllm.replace(chatEvent({ choices: [], usage: usageAt(2) }), ""));
    assert.deepEqual(vllmTranslator.usage, expectedUsage(usageAt(2)));

    const lastChunkOnly = [
      chatEvent({ choices: [{ index: 0, delta: { content: "A" } }] }),
      chatEvent({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: usageAt(1) }),
      "data: [DONE]\n\n",
    ].join("");
    const lastTranslator = forcedChat();
    assert.equal(runStream(lastTranslator, lastChunkOnly, 4), lastChunkOnly);
    assert.deepEqual(lastTranslator.usage, expectedUsage(usageAt(1)));
  });

  it("a usage-only chunk without any choices member is removed too", () => {
    const body = `${chatEvent({ choices: [{ index: 0, delta: { content: "A" } }] })}${chatEvent({ usage: CACHED_USAGE })}data: [DONE]\n\n`;
    const translator = forcedChat();
    assert.equal(
      runStream(translator, body, 1 << 20),
      `${chatEvent({ choices: [{ index: 0, delta: { content: "A" } }] })}data: [DONE]\n\n`,
    );
    assert.deepEqual(translator.usage, expectedUsage(CACHED_USAGE));
  });

  it('removes only a top-level `,"usage":null`, not a nested lookalike or another spelling', () => {
    const nested = chatEvent({
      choices: [{ index: 0, delta: { content: "A", extra: { a: 1, usage: null } } }],
    });
    const spaced = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"B"}}], "usage": null}\n\n';
    assert.equal(runStream(forcedChat(), nested + spaced, 1 << 20), nested + spaced);
    const last =
      'data: {"id":"c","choices":[{"index":0,"delta":{"content":"C,\\"usage\\":null"}}],"usage":null}\n\n';
    assert.equal(
      runStream(forcedChat(), last, 1 << 20),
      'data: {"id":"c","choices":[{"index":0,"delta":{"content":"C,\\"usage\\":null"}}]}\n\n',
    );
  });

  it("a recorded completions stream (usage before choices, null usage last) loses its usage chunk", () => {
    const request = clientRequest("openai-completions", { forceIncludeUsage: true });
    const body = COMPLETIONS.response.body;
    const expected = withoutForcedUsage(body);
    assert.ok(!expected.includes('"usage"'), "the oracle removed every usage member");
    for (const size of [1, 13, 1 << 20]) {
      const translator = streamTranslator("openai-completions", request);
      assert.equal(runStream(translator, body, size), expected, `piece size ${size}`);
      assert.deepEqual(translator.usage, recordedUsage(COMPLETIONS));
    }
  });

  it("an image stream on a route with costs keeps its completed event, which carries usage", () => {
    const request = requestInput(
      { model: "gpt-image-1", prompt: "an otter", stream: true },
      { schema: { name: "OpenAI" }, forceIncludeUsage: true },
    );
    const body =
      'event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"AAA","partial_image_index":0}\n\n' +
      'event: image_generation.completed\ndata: {"type":"image_generation.completed","b64_json":"BBB","usage":{"input_tokens":50,"output_tokens":5,"total_tokens":55}}\n\n';
    const translator = streamTranslator("openai-images", request);
    assert.equal(runStream(translator, body, 9), body);
    assert.equal(translator.usage.totalTokens, 55);
  });
});

describe("OpenAI passthrough stream when usage was not forced", () => {
  it("a client that asked for usage gets the upstream's bytes as they are, each chunk itself", () => {
    const request = clientRequest("openai-chat", {
      forceIncludeUsage: true,
      streamOptions: { include_usage: true },
    });
    for (const size of [1, 7, 1 << 20]) {
      const translator = streamTranslator("openai-chat", request);
      assert.equal(runStream(translator, CHAT.response.body, size), CHAT.response.body, `piece size ${size}`);
      assert.deepEqual(translator.usage, recordedUsage(CHAT));
    }
    const translator = streamTranslator("openai-chat", request);
    const chunk = Buffer.from(HAND_WRITTEN);
    assert.equal(translator.chunk(chunk), chunk, "zero-copy: the very chunk goes back");
  });

  it("without costs nothing is touched, whatever the client asked", () => {
    for (const streamOptions of [undefined, { include_usage: false }]) {
      const translator = streamTranslator(
        "openai-chat",
        clientRequest("openai-chat", { forceIncludeUsage: false, streamOptions }),
      );
      const chunk = Buffer.from(HAND_WRITTEN);
      assert.equal(translator.chunk(chunk), chunk);
      assert.equal(translator.end(), undefined);
      assert.deepEqual(translator.usage, expectedUsage(CACHED_USAGE), "usage is still read");
    }
  });
});

describe("the request and the response side agree on when usage is forced", () => {
  for (const streamOptions of [undefined, null, {}, { include_usage: false }, { include_usage: true }]) {
    it(`stream_options ${JSON.stringify(streamOptions)}`, () => {
      const request = clientRequest("openai-chat", { forceIncludeUsage: true, streamOptions });
      const sent = JSON.parse(String(openAISchemaTranslators["openai-chat"]!.request(request).body)) as {
        stream_options?: { include_usage?: unknown };
      };
      assert.equal(sent.stream_options?.include_usage, true, "the upstream is always asked for usage");
      const clientAsked =
        (streamOptions as { include_usage?: unknown } | null | undefined)?.include_usage === true;
      const out = runStream(streamTranslator("openai-chat", request), HAND_WRITTEN, 1 << 20);
      assert.equal(out.includes('"usage":{'), clientAsked, out);
    });
  }
});

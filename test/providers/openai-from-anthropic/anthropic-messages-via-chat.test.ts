import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicMessagesViaChat } from "../../../src/providers/openai-from-anthropic/anthropic-messages-via-chat-translator.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type TranslateRequestInput,
  type Translator,
  UpstreamProtocolError,
} from "../../../src/providers/translator.js";
import { emptyUsage } from "../../../src/usage/token-usage.js";
import {
  AWKWARD_PIECE_SIZES,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "../anthropic/translator-harness.js";

/**
 * A chat translator standing in for a backend's: its upstream speaks a toy format (`{"say": ...}` whole,
 * `say=...` lines streamed) that it turns into OpenAI shapes, so the tests see that the adapter sends
 * everything through it and reads only what it produced. It records the inputs it was given.
 */
function toyChatTranslator(): Translator & {
  requests: TranslateRequestInput[];
  contexts: ResponseContext[];
} {
  const requests: TranslateRequestInput[] = [];
  const contexts: ResponseContext[] = [];
  return {
    requests,
    contexts,
    request(input) {
      requests.push(input);
      return { path: `/toy/${input.model}${input.stream ? "?stream" : ""}`, body: input.raw };
    },
    response(ctx) {
      contexts.push(ctx);
      return new ToyResponse(ctx);
    },
  };
}

class ToyResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  readonly usage = emptyUsage();
  responseModel: string | undefined;
  private pending = Buffer.alloc(0);

  constructor(private readonly ctx: ResponseContext) {}

  body(body: Buffer): TranslatedBody {
    if (this.ctx.status >= 400) {
      return {
        status: this.ctx.status,
        contentType: "application/json",
        body: JSON.stringify({ error: { type: "ToyError", message: `toy says ${body}` } }),
      };
    }
    const toy = JSON.parse(String(body)) as { say?: string; calls?: string[] };
    if (typeof toy.say !== "string") return { status: 200, contentType: "application/json", body: "{}" };
    this.usage.inputTokens = 3;
    this.usage.outputTokens = 2;
    this.usage.totalTokens = 5;
    this.responseModel = "toy-1";
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        id: "toy-id",
        model: "toy-1",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: toy.say,
              tool_calls: (toy.calls ?? []).map((name, i) => ({
                id: `call_${i}`,
                type: "function",
                function: { name, arguments: '{"x":1}' },
              })),
            },
            finish_reason: toy.calls ? "tool_calls" : "stop",
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      }),
    };
  }

  /** Lines `say=<text>`; each becomes one chunk, emitted as OpenAI SSE cut in two odd pieces. */
  chunk(chunk: Buffer): string | undefined {
    this.pending = Buffer.concat([this.pending, chunk]);
    let out = "";
    for (let nl = this.pending.indexOf(0x0a); nl !== -1; nl = this.pending.indexOf(0x0a)) {
      const line = this.pending.subarray(0, nl).toString("utf8");
      this.pending = this.pending.subarray(nl + 1);
      const text = line.slice("say=".length);
      out += `data: ${JSON.stringify({ id: "toy-id", model: "toy-1", choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
    }
    // Hand back only part of it now: the adapter must re-assemble events across calls.
    const half = Math.floor(out.length / 2);
    const now = this.held + out.slice(0, half);
    this.held = out.slice(half);
    return now || undefined;
  }

  private held = "";

  end(): string {
    this.usage.inputTokens = 4;
    this.usage.outputTokens = 6;
    this.usage.totalTokens = 10;
    this.responseModel = "toy-1";
    const finish = `data: ${JSON.stringify({ id: "toy-id", choices: [{ index: 0, delta: {}, finish_reason: "length" }] })}\n\n`;
    const usage = `data: ${JSON.stringify({ id: "toy-id", choices: [], usage: { prompt_tokens: 4, completion_tokens: 6 } })}\n\n`;
    return `${this.held}${finish}${usage}data: [DONE]\n\n`;
  }
}

/** Anthropic SSE as [event name, data] pairs. */
function events(sse: string): [string, Record<string, unknown>][] {
  return sse
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      return [eventLine!.slice("event: ".length), JSON.parse(dataLine!.slice("data: ".length))];
    });
}

const ANTHROPIC_REQUEST = {
  model: "claude-ish",
  max_tokens: 100,
  system: "Be brief.",
  messages: [{ role: "user", content: "hi" }],
  stop_sequences: ["END"],
};

describe("anthropicMessagesViaChat: request", () => {
  it("hands the wrapped translator the Messages request as an OpenAI chat body, and sends what it makes", () => {
    const chat = toyChatTranslator();
    const input = requestInput(ANTHROPIC_REQUEST, { model: "toy-large", forceIncludeUsage: true });
    const out = anthropicMessagesViaChat(chat).request(input);
    assert.equal(out.path, "/toy/toy-large");
    const seen = chat.requests[0]!;
    const expected = {
      model: "toy-large",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
      max_completion_tokens: 100,
      stop: ["END"],
    };
    assert.deepEqual(seen.body, expected);
    assert.deepEqual(jsonOf(seen.raw), expected, "raw bytes are the converted body");
    assert.equal(String(out.body), String(seen.raw));
    // The converted body already names the model to ask for.
    assert.equal(seen.modelOverridden, false);
    assert.equal(seen.model, "toy-large");
    assert.equal(seen.forceIncludeUsage, true);
    assert.equal(seen.stream, false);
  });

  it("thinking reaches the chat translator only when asked for (keepThinking)", () => {
    const thinking = { type: "enabled", budget_tokens: 2048 };
    const plain = toyChatTranslator();
    anthropicMessagesViaChat(plain).request(requestInput({ ...ANTHROPIC_REQUEST, thinking }));
    assert.equal(plain.requests[0]!.body.thinking, undefined);
    const keeping = toyChatTranslator();
    anthropicMessagesViaChat(keeping, { keepThinking: true }).request(
      requestInput({ ...ANTHROPIC_REQUEST, thinking }),
    );
    assert.deepEqual(keeping.requests[0]!.body.thinking, thinking);
    assert.deepEqual(JSON.parse(String(keeping.requests[0]!.raw)).thinking, thinking);
  });

  it("a streamed request asks the chat translator for stream usage", () => {
    const chat = toyChatTranslator();
    const out = anthropicMessagesViaChat(chat).request(requestInput({ ...ANTHROPIC_REQUEST, stream: true }));
    assert.equal(out.path, "/toy/claude-ish?stream");
    assert.deepEqual(chat.requests[0]!.body.stream_options, { include_usage: true });
    assert.equal(chat.requests[0]!.stream, true);
  });

  it("the response side gives the wrapped translator the very chat input its request side saw", () => {
    const chat = toyChatTranslator();
    const translator = anthropicMessagesViaChat(chat);
    const input = requestInput(ANTHROPIC_REQUEST);
    translator.request(input);
    translator.response({ ...responseContext(200, "claude-ish"), request: input });
    assert.equal(chat.contexts[0]!.request, chat.requests[0]);
    // A context whose request was never translated (a retry elsewhere, a test) is converted on demand.
    translator.response({ ...responseContext(200, "m"), request: requestInput({ ...ANTHROPIC_REQUEST }) });
    assert.equal(chat.contexts[1]!.request.body.max_completion_tokens, 100);
  });
});

describe("anthropicMessagesViaChat: response", () => {
  it("a whole answer becomes a Message; usage and model are the wrapped translator's", () => {
    const response = anthropicMessagesViaChat(toyChatTranslator()).response(responseContext(200, "m"));
    const out = response.body(Buffer.from(JSON.stringify({ say: "hello", calls: ["lookup"] })));
    assert.equal(out.status, 200);
    assert.deepEqual(jsonOf(out.body), {
      id: "toy-id",
      type: "message",
      role: "assistant",
      model: "toy-1",
      content: [
        { type: "text", text: "hello" },
        { type: "tool_use", id: "call_0", name: "lookup", input: { x: 1 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 2 },
    });
    assert.equal(response.usage.totalTokens, 5);
    assert.equal(response.responseModel, "toy-1");
  });

  it("an error the wrapped translator says in OpenAI's envelope is said in Anthropic's, status kept", () => {
    const out = anthropicMessagesViaChat(toyChatTranslator())
      .response(responseContext(429, "m"))
      .body(Buffer.from("slow down"));
    assert.equal(out.status, 429);
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: { type: "rate_limit_error", message: "toy says slow down" },
    });
  });

  it("a 2xx answer that the wrapped translator did not make a chat.completion is UpstreamProtocolError", () => {
    const response = anthropicMessagesViaChat(toyChatTranslator()).response(responseContext(200, "m"));
    assert.throws(() => response.body(Buffer.from('{"nothing":1}')), UpstreamProtocolError);
  });

  it("streams: chunks the wrapped translator emits in odd pieces become Anthropic events", () => {
    const upstream = "say=Hel\nsay=lo, \nsay=wörld\n";
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = anthropicMessagesViaChat(toyChatTranslator()).response(
        responseContext(200, "m", { stream: true }),
      );
      const got = events(runStream(response, upstream, size));
      const names = got.map(([name]) => name);
      assert.equal(names[0], "message_start");
      assert.equal(names.at(-1), "message_stop");
      const text = got
        .filter(([name]) => name === "content_block_delta")
        .map(([, data]) => (data.delta as { text: string }).text)
        .join("");
      assert.equal(text, "Hello, wörld", `piece size ${size}`);
      const delta = got.find(([name]) => name === "message_delta")![1];
      assert.deepEqual(delta.delta, { stop_reason: "max_tokens", stop_sequence: null });
      assert.deepEqual(delta.usage, { input_tokens: 4, output_tokens: 6 });
      assert.equal(response.usage.totalTokens, 10);
      assert.equal(response.responseModel, "toy-1");
    }
  });

  it("a stream in which the wrapped translator produced no chunk is UpstreamProtocolError", () => {
    const silent: Translator = {
      request: () => ({ path: "/", body: "" }),
      response: () => ({
        streamContentType: "text/event-stream",
        usage: emptyUsage(),
        responseModel: undefined,
        body: () => ({ status: 200, contentType: "application/json", body: "{}" }),
        chunk: () => undefined,
        end: () => "data: [DONE]\n\n",
      }),
    };
    const response = anthropicMessagesViaChat(silent).response(responseContext(200, "m", { stream: true }));
    assert.equal(response.chunk(Buffer.from("anything")), undefined);
    assert.throws(() => response.end(), /ended without any chunk/);
  });
});

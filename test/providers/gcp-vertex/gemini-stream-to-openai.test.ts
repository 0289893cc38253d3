import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { UpstreamProtocolError } from "../../../src/providers/translator.js";
import { requestInput, responseContext, runStream } from "../anthropic/translator-harness.js";
import {
  CREATED,
  GEMINI_MODEL_VERSION,
  RESPONSE_ID,
  streamEvents,
  vertexError,
  vertexSse,
} from "./gemini-fixtures.js";

const chat = gcpVertexSchemaTranslators["openai-chat"]!;

function streamContext(options: { includeUsage?: boolean; force?: boolean } = {}) {
  const body: Record<string, unknown> = { model: "gemini-2.5-flash", messages: [], stream: true };
  if (options.includeUsage) body.stream_options = { include_usage: true };
  const request = requestInput(body, {
    schema: { name: "GCPVertexAI" },
    forceIncludeUsage: options.force ?? false,
  });
  return responseContext(200, "gemini-2.5-flash", { stream: true, request });
}

/** The `data:` payloads of an OpenAI SSE body, parsed (but [DONE]). */
function payloads(sse: string): unknown[] {
  assert.ok(sse.endsWith("\n\n"));
  return sse
    .split("\n\n")
    .filter((e) => e !== "")
    .map((event) => {
      assert.match(event, /^data: /);
      const data = event.slice("data: ".length);
      return data === "[DONE]" ? "[DONE]" : JSON.parse(data);
    });
}

const head = {
  id: RESPONSE_ID,
  object: "chat.completion.chunk",
  created: CREATED,
  model: GEMINI_MODEL_VERSION,
};
const choice = (delta: unknown, finish: string | null = null) => ({
  ...head,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

describe("Gemini streamGenerateContent (SSE) -> OpenAI chunks", () => {
  const bytes = Buffer.from(vertexSse(streamEvents));

  it("is the same whatever byte the network cuts at, with the usage chunk the client asked for", () => {
    let first: string | undefined;
    for (let cut = 0; cut <= bytes.length; cut++) {
      const response = chat.response(streamContext({ includeUsage: true }));
      let out = "";
      out += response.chunk(bytes.subarray(0, cut)) ?? "";
      out += response.chunk(bytes.subarray(cut)) ?? "";
      out += response.end() ?? "";
      // Tool call ids are random: compare with them blanked.
      const normal = out.replace(/call_[0-9a-f]{32}/g, "call_ID");
      if (first === undefined) first = normal;
      else assert.equal(normal, first, `cut at byte ${cut}`);
      assert.equal(response.usage.totalTokens, 40);
    }
    assert.deepEqual(payloads(first!), [
      choice({ role: "assistant", content: "" }),
      choice({ reasoning_content: "Considering the city…" }),
      choice({ content: "Looking up " }),
      choice({ content: "Paris — ünïcode." }),
      choice({
        tool_calls: [
          {
            index: 0,
            id: "call_ID",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
          },
        ],
      }),
      // STOP arrives in a later event than the call: still tool_calls.
      choice({}, "tool_calls"),
      {
        ...head,
        choices: [],
        usage: {
          prompt_tokens: 12,
          completion_tokens: 28,
          total_tokens: 40,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 19 },
        },
      },
      "[DONE]",
    ]);
  });

  it("counts usage but sends no usage chunk when nobody asked; forceIncludeUsage asks", () => {
    const plain = chat.response(streamContext());
    const out = payloads(runStream(plain, bytes, 7));
    assert.equal(out.at(-2) && (out.at(-2) as { usage?: unknown }).usage, undefined);
    assert.equal(plain.usage.outputTokens, 28);
    assert.equal(plain.usage.reasoningTokens, 19);
    assert.equal(plain.responseModel, GEMINI_MODEL_VERSION);
    const forced = payloads(runStream(chat.response(streamContext({ force: true })), bytes, 7));
    assert.ok((forced.at(-2) as { usage?: unknown }).usage);
  });

  it("reads events ended by \\n\\n and \\r\\r too", () => {
    for (const separator of ["\n\n", "\r\r"]) {
      const out = runStream(chat.response(streamContext()), vertexSse(streamEvents, separator), 5);
      assert.match(out, /"content":"Paris — ünïcode."/);
      assert.match(out, /data: \[DONE\]\n\n$/);
    }
  });

  it("MAX_TOKENS finishes with length", () => {
    const events = [{ candidates: [{ content: { parts: [{ text: "a" }] }, finishReason: "MAX_TOKENS" }] }];
    const out = payloads(runStream(chat.response(streamContext()), vertexSse(events), 3));
    const finish = out.find(
      (p) => (p as { choices?: { finish_reason?: string }[] }).choices?.[0]?.finish_reason,
    );
    assert.equal((finish as { choices: { finish_reason: string }[] }).choices[0]!.finish_reason, "length");
  });

  it("an error event ends the stream with an OpenAI error event, no [DONE]", () => {
    const sse = `${vertexSse(streamEvents.slice(0, 1))}data: ${vertexError(429, "RESOURCE_EXHAUSTED", "Quota exceeded.")}\r\n\r\n`;
    const out = runStream(chat.response(streamContext()), sse, 11);
    assert.match(
      out,
      /data: \{"error":\{"type":"RESOURCE_EXHAUSTED","code":"429","message":"Quota exceeded."\}\}\n\n$/,
    );
    assert.doesNotMatch(out, /\[DONE\]/);
  });

  it("a stream cut before any finishReason ends with an error event", () => {
    const out = runStream(chat.response(streamContext()), vertexSse(streamEvents.slice(0, 2)), 64);
    assert.match(
      out,
      /"type":"GCPVertexAIBackendError","code":"502","message":"the GCP Vertex AI stream ended without a finishReason"/,
    );
  });

  it("a stream with no event, or an event that is not JSON, is UpstreamProtocolError", () => {
    assert.throws(() => chat.response(streamContext()).end(), /without any event/);
    const garbage = chat.response(streamContext());
    assert.throws(() => garbage.chunk(Buffer.from("data: {nope\r\n\r\n")), UpstreamProtocolError);
    const html = chat.response(streamContext());
    html.chunk(Buffer.from("<html>hi</html>"));
    assert.throws(() => html.end(), UpstreamProtocolError);
  });
});

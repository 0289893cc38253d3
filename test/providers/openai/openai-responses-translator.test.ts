import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openAIResponsesInputTokensTranslator } from "../../../src/providers/openai/openai-responses-input-tokens-translator.js";
import { openAIResponsesTranslator } from "../../../src/providers/openai/openai-responses-translator.js";
import { UpstreamProtocolError } from "../../../src/providers/translator.js";
import { requestInput, responseContext } from "../anthropic/translator-harness.js";

/**
 * The Responses API passthrough: paths under the schema's prefix, the client's bytes forwarded, and
 * usage and model read from the response object, whole or in the stream's response.* events only.
 */

const OPENAI = { name: "OpenAI" } as const;
const USAGE = {
  input_tokens: 40,
  input_tokens_details: { cached_tokens: 30 },
  output_tokens: 20,
  output_tokens_details: { reasoning_tokens: 15 },
  total_tokens: 60,
};

function event(type: string, data: Record<string, unknown>, named = true): string {
  return `${named ? `event: ${type}\n` : ""}data: ${JSON.stringify({ type, ...data })}\n\n`;
}

function streamOf(events: string[]): string {
  return events.join("");
}

describe("openai-responses request", () => {
  it("forwards the client's bytes to <prefix>/responses, forcing no usage even when costs are on", () => {
    const input = requestInput(
      { model: "gpt-4.1", input: "hi", stream: true },
      { schema: { name: "OpenAI", prefix: "/api/v1/" }, forceIncludeUsage: true },
    );
    const out = openAIResponsesTranslator.request(input);
    assert.equal(out.path, "/api/v1/responses");
    assert.equal(out.body, input.raw, "the very bytes");
  });

  it("replaces only the model under modelNameOverride", () => {
    const input = requestInput(
      { model: "alias", input: [{ role: "user", content: "x" }] },
      { schema: OPENAI, model: "gpt-4.1" },
    );
    const out = openAIResponsesTranslator.request(input);
    assert.deepEqual(JSON.parse(String(out.body)), {
      model: "gpt-4.1",
      input: [{ role: "user", content: "x" }],
    });
  });

  it("input_tokens goes to <prefix>/responses/input_tokens", () => {
    const out = openAIResponsesInputTokensTranslator.request(
      requestInput({ model: "m", input: "x" }, { schema: OPENAI }),
    );
    assert.equal(out.path, "/v1/responses/input_tokens");
  });
});

describe("openai-responses whole answers", () => {
  it("reads usage with its details and the answering model; the bytes pass unchanged", () => {
    const answer = JSON.stringify({
      id: "resp_1",
      object: "response",
      model: "gpt-4.1-2025",
      usage: USAGE,
      output: [],
    });
    const response = openAIResponsesTranslator.response(responseContext(200, "gpt-4.1"));
    const out = response.body(Buffer.from(answer));
    assert.equal(String(out.body), answer);
    assert.equal(response.responseModel, "gpt-4.1-2025");
    assert.deepEqual(response.usage, {
      inputTokens: 40,
      outputTokens: 20,
      totalTokens: 60,
      cachedInputTokens: 30,
      cacheCreationInputTokens: 0,
      reasoningTokens: 15,
    });
  });

  it("a 2xx that is not a JSON object is UpstreamProtocolError; errors pass", () => {
    const response = openAIResponsesTranslator.response(responseContext(200, "m"));
    assert.throws(() => response.body(Buffer.from("<html>")), UpstreamProtocolError);
    const error = '{"error":{"message":"nope","type":"invalid_request_error","param":null,"code":null}}';
    const failed = openAIResponsesTranslator.response(responseContext(400, "m")).body(Buffer.from(error));
    assert.equal(failed.status, 400);
    assert.equal(String(failed.body), error);
  });
});

describe("openai-responses streams", () => {
  const inProgress = { id: "resp_1", model: "gpt-4.1-2025", status: "in_progress", usage: null };
  const completed = { ...inProgress, status: "completed", usage: USAGE };
  const stream = streamOf([
    event("response.created", { sequence_number: 0, response: inProgress }),
    event("response.output_text.delta", { sequence_number: 1, delta: '{"usage":{"input_tokens":999}}' }),
    // A delta carrying a lookalike response object must not count either.
    event("response.output_text.delta", {
      sequence_number: 2,
      delta: "x",
      response: { model: "not-this", usage: { input_tokens: 999 } },
    }),
    event("response.completed", { sequence_number: 3, response: completed }),
  ]);

  for (const cuts of [[1], [7], [stream.length]]) {
    it(`relays the bytes and counts response.completed, cut every ${cuts[0]} bytes`, () => {
      const response = openAIResponsesTranslator.response(responseContext(200, "gpt-4.1", { stream: true }));
      const bytes = Buffer.from(stream);
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += cuts[0]!) {
        const piece = response.chunk(bytes.subarray(i, i + cuts[0]!));
        if (piece !== undefined) out.push(Buffer.from(piece));
      }
      const rest = response.end();
      if (rest !== undefined) out.push(Buffer.from(rest));
      assert.equal(Buffer.concat(out).toString(), stream);
      assert.equal(response.responseModel, "gpt-4.1-2025");
      assert.equal(response.usage.inputTokens, 40);
      assert.equal(response.usage.cachedInputTokens, 30);
      assert.equal(response.usage.reasoningTokens, 15);
      assert.equal(response.usage.totalTokens, 60);
    });
  }

  it("counts the usage of a stream cut short (response.incomplete) and of unnamed events", () => {
    const response = openAIResponsesTranslator.response(responseContext(200, "m", { stream: true }));
    response.chunk(
      Buffer.from(
        streamOf([
          event("response.created", { response: inProgress }, false),
          event("response.incomplete", { response: { ...completed, status: "incomplete" } }, false),
        ]),
      ),
    );
    response.end();
    assert.equal(response.usage.outputTokens, 20);
    assert.equal(response.responseModel, "gpt-4.1-2025");
  });

  it("without a model in the stream, the requested model answers", () => {
    const response = openAIResponsesTranslator.response(responseContext(200, "asked", { stream: true }));
    response.chunk(Buffer.from(event("response.completed", { response: { usage: USAGE } })));
    response.end();
    assert.equal(response.responseModel, "asked");
    assert.equal(response.usage.outputTokens, 20);
  });
});

describe("openai-responses-input-tokens answers", () => {
  it("reports the count as input usage and passes the bytes", () => {
    const answer = '{"object":"response.input_tokens","input_tokens":123}';
    const response = openAIResponsesInputTokensTranslator.response(responseContext(200, "m"));
    assert.equal(String(response.body(Buffer.from(answer)).body), answer);
    assert.equal(response.usage.inputTokens, 123);
    assert.equal(response.usage.totalTokens, 123);
  });

  it("a count that is not a number counts 0; a body that is not an object is UpstreamProtocolError", () => {
    const response = openAIResponsesInputTokensTranslator.response(responseContext(200, "m"));
    response.body(Buffer.from('{"input_tokens":"12"}'));
    assert.equal(response.usage.inputTokens, 0);
    for (const bad of ["", "[]", "12", '{"input_tokens":1']) {
      const r = openAIResponsesInputTokensTranslator.response(responseContext(200, "m"));
      assert.throws(() => r.body(Buffer.from(bad)), UpstreamProtocolError, bad);
    }
  });

  it("errors pass in the OpenAI envelope; non-JSON errors are wrapped", () => {
    const response = openAIResponsesInputTokensTranslator.response(responseContext(502, "m"));
    const out = response.body(Buffer.from("bad gateway"));
    assert.equal(out.status, 502);
    assert.match(String(out.body), /"message":"bad gateway"/);
  });
});

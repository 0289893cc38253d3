import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicCountTokensGCPAnthropicTranslator as countTranslator } from "../../../src/providers/gcp-anthropic/anthropic-count-tokens-gcp-anthropic-translator.js";
import { anthropicMessagesGCPAnthropicTranslator as messagesTranslator } from "../../../src/providers/gcp-anthropic/anthropic-messages-gcp-anthropic-translator.js";
import { gcpAnthropicSchemaTranslators } from "../../../src/providers/gcp-anthropic/gcp-anthropic-schema-translators.js";
import { openAIChatGCPAnthropicTranslator as chatTranslator } from "../../../src/providers/gcp-anthropic/openai-chat-gcp-anthropic-translator.js";
import { tokenizeGCPAnthropicTranslator as tokenizeTranslator } from "../../../src/providers/gcp-anthropic/tokenize-gcp-anthropic-translator.js";
import { loadSchemaTranslators } from "../../../src/providers/registry.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { sseDataPayloads } from "../../support/sse-events.js";
import {
  rateLimitError,
  textMessage,
  toolUseMessage,
  toolUseMessageUsage,
  toolUseStream,
  toolUseStreamUsage,
} from "../anthropic/anthropic-fixtures.js";
import {
  AWKWARD_PIECE_SIZES,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "../anthropic/translator-harness.js";

const MODEL = "claude-sonnet-4-5@20250929";
const schema = { name: "GCPAnthropic" as const };

describe("GCPAnthropic registry", () => {
  it("serves chat, Messages, count_tokens and tokenize", async () => {
    assert.equal(await loadSchemaTranslators("GCPAnthropic"), gcpAnthropicSchemaTranslators);
    assert.deepEqual(Object.keys(gcpAnthropicSchemaTranslators).sort(), [
      "anthropic-count-tokens",
      "anthropic-messages",
      "openai-chat",
      "tokenize",
    ]);
  });
});

describe("Anthropic Messages -> Claude on Vertex: request", () => {
  it("moves the model to the path, adds anthropic_version, keeps stream and sends only betas Vertex knows", () => {
    const out = messagesTranslator.request(
      requestInput(
        {
          model: MODEL,
          max_tokens: 1024,
          stream: true,
          system: "Be brief.",
          messages: [{ role: "user", content: "Hello" }],
          thinking: { type: "enabled", budget_tokens: 1024 },
        },
        {
          schema,
          headers: {
            "anthropic-beta": [
              "interleaved-thinking-2025-05-14, prompt-caching-scope-2026-01-05,web-search-2025-03-05",
              "effort-2025-11-24,context-1m-2025-08-07,interleaved-thinking-2025-05-14",
            ],
          },
        },
      ),
    );
    assert.equal(out.path, "/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict");
    assert.deepEqual(out.headers, {
      "anthropic-beta": "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
      "anthropic-version": undefined,
    });
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "vertex-2023-10-16",
      max_tokens: 1024,
      stream: true,
      system: "Be brief.",
      messages: [{ role: "user", content: "Hello" }],
      thinking: { type: "enabled", budget_tokens: 1024 },
    });
  });

  it("uses rawPredict without a stream, schema.version over the client's, the overridden model, and no beta header without accepted flags", () => {
    const out = messagesTranslator.request(
      requestInput(
        {
          model: "claude",
          anthropic_version: "vertex-1999-01-01",
          max_tokens: 5,
          messages: [{ role: "user", content: "x" }],
        },
        {
          model: "claude-opus-4/1@2025 x",
          schema: { name: "GCPAnthropic", version: "vertex-2099-01-01" },
          headers: { "anthropic-beta": "files-api-2025-04-14" },
        },
      ),
    );
    assert.equal(out.path, "/publishers/anthropic/models/claude-opus-4%2F1@2025%20x:rawPredict");
    // The client's header, of flags Vertex does not know, is removed rather than forwarded.
    assert.deepEqual(out.headers, { "anthropic-beta": undefined, "anthropic-version": undefined });
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "vertex-2099-01-01",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
  });

  it("refuses a model name that cannot be a path segment with 400", () => {
    assert.throws(
      () =>
        messagesTranslator.request(
          requestInput({ model: "x", max_tokens: 5, messages: [] }, { model: "bad\ud800", schema }),
        ),
      (err: unknown) => err instanceof InvalidRequestError && err.status === 400,
    );
  });
});

describe("Anthropic Messages -> Claude on Vertex: response", () => {
  it("returns the Message unchanged and counts its usage", () => {
    const response = messagesTranslator.response(responseContext(200, MODEL));
    const upstream = Buffer.from(JSON.stringify(toolUseMessage));
    assert.equal(response.body(upstream).body, upstream);
    assert.deepEqual(response.usage, toolUseMessageUsage);
    assert.equal(response.responseModel, "claude-sonnet-4-5-20250929");
  });

  it("relays the SSE stream byte for byte and counts usage, whatever the chunk boundaries", () => {
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = messagesTranslator.response(
        responseContext(200, MODEL, {
          stream: true,
          headers: { "content-type": "text/event-stream; charset=utf-8" },
        }),
      );
      assert.equal(runStream(response, toolUseStream, size), toolUseStream, `size ${size}`);
      assert.deepEqual(response.usage, toolUseStreamUsage);
    }
  });

  it("relays Claude's errors unchanged, and puts Google's and non-JSON errors in the Anthropic envelope", () => {
    const claude = Buffer.from(JSON.stringify(rateLimitError));
    const relayed = messagesTranslator.response(responseContext(429, MODEL)).body(claude);
    assert.equal(relayed.status, 429);
    assert.equal(relayed.body, claude);

    const google = messagesTranslator.response(responseContext(404, MODEL)).body(
      Buffer.from(
        JSON.stringify({
          error: {
            code: 404,
            message: "Publisher Model `claude-x` not found.",
            status: "NOT_FOUND",
          },
        }),
      ),
    );
    assert.deepEqual(jsonOf(google.body), {
      type: "error",
      error: { type: "not_found_error", message: "Publisher Model `claude-x` not found." },
    });

    const listed = messagesTranslator
      .response(responseContext(429, MODEL))
      .body(Buffer.from('[{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]'));
    assert.deepEqual(jsonOf(listed.body), {
      type: "error",
      error: { type: "rate_limit_error", message: "Quota exceeded" },
    });

    const html = messagesTranslator
      .response(responseContext(502, MODEL))
      .body(Buffer.from("<html>bad gateway</html>"));
    assert.equal(html.status, 502);
    assert.deepEqual(jsonOf(html.body), {
      type: "error",
      error: { type: "GCPBackendError", message: "<html>bad gateway</html>" },
    });
  });
});

describe("count_tokens -> Claude on Vertex", () => {
  it("posts to count-tokens:rawPredict with the model and anthropic_version in the body", () => {
    const out = countTranslator.request(
      requestInput(
        { model: "claude", system: "Be brief.", messages: [{ role: "user", content: "Hi" }] },
        {
          model: MODEL,
          schema,
          headers: { "anthropic-beta": "token-counting-2024-11-01,mcp-client-2025-04-04" },
        },
      ),
    );
    assert.equal(out.path, "/publishers/anthropic/models/count-tokens:rawPredict");
    assert.deepEqual(out.headers, {
      "anthropic-beta": "token-counting-2024-11-01",
      "anthropic-version": undefined,
    });
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "vertex-2023-10-16",
      model: MODEL,
      system: "Be brief.",
      messages: [{ role: "user", content: "Hi" }],
    });
  });

  it("reports the count as input usage and puts errors in the Anthropic envelope", () => {
    const response = countTranslator.response(responseContext(200, MODEL));
    const answer = Buffer.from('{"input_tokens":42}');
    assert.equal(response.body(answer).body, answer);
    assert.equal(response.usage.inputTokens, 42);
    assert.equal(response.usage.totalTokens, 42);
    const denied = countTranslator
      .response(responseContext(403, MODEL))
      .body(
        Buffer.from(
          '{"error":{"code":403,"message":"Permission denied on resource project p.","status":"PERMISSION_DENIED"}}',
        ),
      );
    assert.deepEqual(jsonOf(denied.body), {
      type: "error",
      error: { type: "permission_error", message: "Permission denied on resource project p." },
    });
  });
});

describe("OpenAI chat -> Claude on Vertex", () => {
  it("builds the Messages body with Vertex's anthropic_version, stream in the body and the model in the path", () => {
    const out = chatTranslator.request(
      requestInput(
        {
          model: "claude",
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "Hi" },
          ],
          stream: true,
          max_tokens: 64,
          temperature: 0.5,
        },
        { model: MODEL, schema },
      ),
    );
    assert.equal(out.path, "/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict");
    assert.deepEqual(out.headers, { "anthropic-beta": undefined, "anthropic-version": undefined });
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "vertex-2023-10-16",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hi" }],
      system: [{ type: "text", text: "Be brief." }],
      temperature: 0.5,
      stream: true,
    });
  });

  it("refuses what Anthropic cannot express with 422", () => {
    assert.throws(
      () =>
        chatTranslator.request(
          requestInput(
            { model: "c", messages: [{ role: "user", content: "x" }], n: 2 },
            { model: MODEL, schema },
          ),
        ),
      (err: unknown) => err instanceof InvalidRequestError && err.status === 422,
    );
  });

  it("turns the Message into a chat completion with its usage", () => {
    const response = chatTranslator.response(responseContext(200, MODEL));
    const out = jsonOf(response.body(Buffer.from(JSON.stringify(textMessage))).body) as {
      object: string;
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    assert.equal(out.object, "chat.completion");
    assert.equal(out.choices[0]?.message.content, "Hi! My name is Claude.");
    assert.equal(out.choices[0]?.finish_reason, "stop");
    assert.equal(out.usage.prompt_tokens, 2095);
    assert.equal(out.usage.completion_tokens, 503);
  });

  it("streams chat.completion.chunks from Vertex's SSE with exact usage", () => {
    for (const size of AWKWARD_PIECE_SIZES) {
      const request = requestInput(
        {
          model: MODEL,
          messages: [{ role: "user", content: "x" }],
          stream: true,
          stream_options: { include_usage: true },
        },
        { schema },
      );
      const response = chatTranslator.response(responseContext(200, MODEL, { stream: true, request }));
      const payloads = sseDataPayloads(runStream(response, toolUseStream, size));
      assert.equal(payloads.at(-1), "[DONE]");
      const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p) as Record<string, unknown>);
      assert.deepEqual(chunks.at(-1)?.usage, {
        prompt_tokens: 1496,
        completion_tokens: 89,
        total_tokens: 1585,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 0 },
      });
      assert.deepEqual(response.usage, toolUseStreamUsage);
    }
  });

  it("answers Claude's, Google's and non-JSON errors in the OpenAI envelope", () => {
    const claude = chatTranslator
      .response(responseContext(429, MODEL))
      .body(Buffer.from(JSON.stringify(rateLimitError)));
    assert.deepEqual(jsonOf(claude.body), {
      type: "error",
      error: { type: "rate_limit_error", code: "429", message: rateLimitError.error.message },
    });
    const google = chatTranslator
      .response(responseContext(403, MODEL))
      .body(
        Buffer.from('{"error":{"code":403,"message":"Permission denied.","status":"PERMISSION_DENIED"}}'),
      );
    assert.deepEqual(jsonOf(google.body), {
      type: "error",
      error: { type: "PERMISSION_DENIED", code: "403", message: "Permission denied." },
    });
    const text = chatTranslator
      .response(responseContext(503, MODEL))
      .body(Buffer.from("upstream connect error"));
    assert.deepEqual(jsonOf(text.body), {
      type: "error",
      error: { type: "GCPBackendError", code: "503", message: "upstream connect error" },
    });
  });
});

describe("tokenize -> Claude on Vertex (count-tokens:rawPredict)", () => {
  it("counts a prompt as one user turn", () => {
    const out = tokenizeTranslator.request(
      requestInput({ model: "c", prompt: "Hello there" }, { model: MODEL, schema }),
    );
    assert.equal(out.path, "/publishers/anthropic/models/count-tokens:rawPredict");
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "vertex-2023-10-16",
      model: MODEL,
      messages: [{ role: "user", content: "Hello there" }],
    });
  });

  it("counts chat messages and tools as the chat request would send them", () => {
    const out = tokenizeTranslator.request(
      requestInput(
        {
          model: "c",
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "Weather?" },
          ],
          tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
        },
        { model: MODEL, schema },
      ),
    );
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "vertex-2023-10-16",
      model: MODEL,
      messages: [{ role: "user", content: "Weather?" }],
      system: [{ type: "text", text: "Be brief." }],
      tools: [{ name: "get_weather", input_schema: { type: "object" } }],
    });
  });

  it("refuses a body with neither prompt nor messages with 400", () => {
    assert.throws(
      () => tokenizeTranslator.request(requestInput({ model: "c", input: "x" }, { model: MODEL, schema })),
      (err: unknown) => err instanceof InvalidRequestError && err.status === 400,
    );
  });

  it("answers {count} from input_tokens, counted as input usage; errors in the OpenAI envelope", () => {
    const response = tokenizeTranslator.response(responseContext(200, MODEL));
    assert.deepEqual(jsonOf(response.body(Buffer.from('{"input_tokens":17}')).body), { count: 17 });
    assert.equal(response.usage.inputTokens, 17);
    assert.equal(response.usage.totalTokens, 17);
    const denied = tokenizeTranslator
      .response(responseContext(403, MODEL))
      .body(
        Buffer.from('{"error":{"code":403,"message":"Permission denied.","status":"PERMISSION_DENIED"}}'),
      );
    assert.deepEqual(jsonOf(denied.body), {
      type: "error",
      error: { type: "PERMISSION_DENIED", code: "403", message: "Permission denied." },
    });
  });
});

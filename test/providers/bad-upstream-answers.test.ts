import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { anthropicSchemaTranslators } from "../../src/providers/anthropic/anthropic-schema-translators.js";
import { awsAnthropicSchemaTranslators } from "../../src/providers/aws-anthropic/aws-anthropic-schema-translators.js";
import { bedrockSchemaTranslators } from "../../src/providers/aws-bedrock/bedrock-schema-translators.js";
import { sageMakerSchemaTranslators } from "../../src/providers/aws-sagemaker/sagemaker-schema-translators.js";
import { azureOpenAISchemaTranslators } from "../../src/providers/azure-openai/azure-openai-schema-translators.js";
import { cohereSchemaTranslators } from "../../src/providers/cohere/cohere-schema-translators.js";
import { gcpAnthropicSchemaTranslators } from "../../src/providers/gcp-anthropic/gcp-anthropic-schema-translators.js";
import { gcpVertexSchemaTranslators } from "../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { openAISchemaTranslators } from "../../src/providers/openai/openai-schema-translators.js";
import {
  type ClientApi,
  type ResponseTranslator,
  type SchemaTranslators,
  type Translator,
  UpstreamProtocolError,
} from "../../src/providers/translator.js";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { encodeAwsEvent } from "../support/encode-aws-event.js";
import { toolUseMessage, toolUseStream } from "./anthropic/anthropic-fixtures.js";
import { jsonOf, responseContext, runStream } from "./anthropic/translator-harness.js";
import {
  invokeChunk,
  invokeToolUseEvents,
  invokeToolUseStream,
} from "./aws-anthropic/bedrock-invoke-fixtures.js";
import { encodeStream, TEXT_STREAM } from "./aws-bedrock/converse-stream-fixtures.js";

/**
 * Upstream answers that are not what their API promises, from a broken or hostile upstream: 2xx
 * bodies that are not JSON objects, JSON nested deeper than a translator can rewrite, streams with
 * nothing recognisable in them. Each is UpstreamProtocolError (the gateway answers 502, or ends the
 * stream with an error event), never a crash. And Claude on Bedrock's own Anthropic error bodies are
 * relayed as Anthropic errors.
 */

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const codec = new EventStreamCodec(toUtf8, fromUtf8);

const TABLES: Record<string, SchemaTranslators> = {
  OpenAI: openAISchemaTranslators,
  Anthropic: anthropicSchemaTranslators,
  AWSBedrock: bedrockSchemaTranslators,
  AWSAnthropic: awsAnthropicSchemaTranslators,
  AzureOpenAI: azureOpenAISchemaTranslators,
  GCPVertexAI: gcpVertexSchemaTranslators,
  GCPAnthropic: gcpAnthropicSchemaTranslators,
  Cohere: cohereSchemaTranslators,
  "aigw/AWSSageMaker": sageMakerSchemaTranslators,
};

function translator(schema: string, api: ClientApi): Translator {
  return TABLES[schema]![api]!;
}

function protocolError(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UpstreamProtocolError, `expected UpstreamProtocolError, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Every (schema, API) pair that answers whole JSON bodies, with a valid 2xx answer for it. */
const BUFFERED: [string, ClientApi, unknown][] = [
  ["OpenAI", "openai-chat", { id: "c", object: "chat.completion", choices: [], usage: { total_tokens: 1 } }],
  ["OpenAI", "openai-completions", { id: "c", object: "text_completion", choices: [] }],
  ["OpenAI", "openai-embeddings", { object: "list", data: [], usage: { prompt_tokens: 1 } }],
  ["OpenAI", "openai-images", { created: 1, data: [] }],
  ["OpenAI", "openai-responses", { id: "r", object: "response", output: [], usage: { input_tokens: 1 } }],
  ["OpenAI", "openai-responses-input-tokens", { object: "response.input_tokens", input_tokens: 3 }],
  [
    "AzureOpenAI",
    "openai-chat",
    { id: "c", object: "chat.completion", choices: [], prompt_filter_results: [] },
  ],
  ["AzureOpenAI", "openai-completions", { id: "c", object: "text_completion", choices: [] }],
  ["AzureOpenAI", "openai-embeddings", { object: "list", data: [], usage: { prompt_tokens: 1 } }],
  ["AzureOpenAI", "openai-images", { created: 1, data: [] }],
  ["AzureOpenAI", "openai-responses", { id: "r", object: "response", output: [] }],
  ["AzureOpenAI", "openai-responses-input-tokens", { object: "response.input_tokens", input_tokens: 3 }],
  ["OpenAI", "anthropic-messages", { id: "c", object: "chat.completion", choices: [] }],
  ["Anthropic", "openai-chat", toolUseMessage],
  ["Anthropic", "anthropic-messages", toolUseMessage],
  ["Anthropic", "anthropic-count-tokens", { input_tokens: 5 }],
  ["AWSAnthropic", "openai-chat", toolUseMessage],
  ["AWSAnthropic", "anthropic-messages", toolUseMessage],
  ["AWSAnthropic", "anthropic-count-tokens", { inputTokens: 5 }],
  ["GCPAnthropic", "openai-chat", toolUseMessage],
  ["GCPAnthropic", "anthropic-messages", toolUseMessage],
  ["GCPAnthropic", "anthropic-count-tokens", { input_tokens: 5 }],
  ["GCPAnthropic", "tokenize", { input_tokens: 5 }],
  [
    "AWSBedrock",
    "openai-chat",
    { output: { message: { content: [{ text: "hi" }] } }, stopReason: "end_turn" },
  ],
  ["AWSBedrock", "anthropic-messages", { output: { message: { content: [{ text: "hi" }] } } }],
  ["AWSBedrock", "anthropic-count-tokens", { inputTokens: 5 }],
  ["AWSBedrock", "openai-embeddings", { embedding: [0.5, 0.25], inputTextTokenCount: 2 }],
  ["GCPVertexAI", "openai-chat", { candidates: [{ content: { parts: [{ text: "hi" }] } }] }],
  ["GCPVertexAI", "anthropic-messages", { candidates: [{ content: { parts: [{ text: "hi" }] } }] }],
  ["GCPVertexAI", "openai-embeddings", { predictions: [{ embeddings: { values: [0.5] } }] }],
  ["GCPVertexAI", "tokenize", { totalTokens: 3 }],
  ["Cohere", "cohere-rerank", { id: "r", results: [{ index: 0, relevance_score: 0.5 }], meta: {} }],
  ["Cohere", "openai-chat", { id: "c", object: "chat.completion", choices: [] }],
  ["Cohere", "openai-embeddings", { object: "list", data: [], usage: { prompt_tokens: 1 } }],
  ["aigw/AWSSageMaker", "openai-chat", { id: "c", object: "chat.completion", choices: [] }],
  ["aigw/AWSSageMaker", "openai-completions", { id: "c", object: "text_completion", choices: [] }],
  ["aigw/AWSSageMaker", "openai-embeddings", { object: "list", data: [], usage: { prompt_tokens: 1 } }],
];

/** Pairs whose answer goes to the client as the upstream's bytes, so its depth is no matter. */
const RELAYED = new Set([
  "OpenAI openai-chat",
  "OpenAI openai-completions",
  "OpenAI openai-embeddings",
  "OpenAI openai-images",
  "OpenAI openai-responses",
  "OpenAI openai-responses-input-tokens",
  "AzureOpenAI openai-chat",
  "AzureOpenAI openai-completions",
  "AzureOpenAI openai-embeddings",
  "AzureOpenAI openai-images",
  "AzureOpenAI openai-responses",
  "AzureOpenAI openai-responses-input-tokens",
  "Anthropic anthropic-messages",
  "Anthropic anthropic-count-tokens",
  "AWSAnthropic anthropic-messages",
  "GCPAnthropic anthropic-messages",
  "GCPAnthropic anthropic-count-tokens",
  "Cohere cohere-rerank",
  "Cohere openai-chat",
  "Cohere openai-embeddings",
  "aigw/AWSSageMaker openai-chat",
  "aigw/AWSSageMaker openai-completions",
  "aigw/AWSSageMaker openai-embeddings",
]);

describe("2xx bodies that are not JSON objects", () => {
  const notObjects = [
    "",
    "<html><body><h1>200 OK</h1></body></html>",
    "upstream says hi",
    '{"id":"chatcmpl-1","choices":[{"message":{"content":"Hel',
    "null",
    "[]",
  ];
  for (const [schema, api, valid] of BUFFERED) {
    it(`${schema} ${api}: UpstreamProtocolError, while a valid answer passes`, () => {
      for (const body of notObjects) {
        const response = translator(schema, api).response(responseContext(200, MODEL));
        protocolError(() => response.body(Buffer.from(body)));
      }
      const response = translator(schema, api).response(responseContext(200, MODEL));
      const out = response.body(Buffer.from(JSON.stringify(valid)));
      assert.equal(out.status, 200);
      if (RELAYED.has(`${schema} ${api}`)) assert.equal(String(out.body), JSON.stringify(valid));
    });
  }

  it("the OpenAI passthrough refuses with one structural scan what JSON.parse would refuse", () => {
    const chat = translator("OpenAI", "openai-chat");
    for (const body of [
      "{hello}",
      '{"id":"x",}',
      '{"id":"x"}{"id":"y"}',
      '{"usage":{"total_tokens":1}',
      "\ufeff{}",
    ]) {
      protocolError(
        () => chat.response(responseContext(200, MODEL)).body(Buffer.from(body)),
        /the upstream's answer is not a JSON object/,
      );
    }
    // Usage and model are still read from the answer's own bytes, which go out untouched.
    const answer = '{ "model" : "gpt-4o-2024", "usage": {"prompt_tokens": 3, "completion_tokens": 4} }\n';
    const response = chat.response(responseContext(200, MODEL));
    const out = response.body(Buffer.from(answer));
    assert.equal(String(out.body), answer);
    assert.equal(response.responseModel, "gpt-4o-2024");
    assert.equal(response.usage.totalTokens, 7);
    // An event stream to a request that did not ask for one is relayed as it is.
    const sse = 'data: {"id":"1","choices":[]}\n\ndata: [DONE]\n\n';
    const streamed = chat
      .response(
        responseContext(200, MODEL, { headers: { "content-type": "text/event-stream; charset=utf-8" } }),
      )
      .body(Buffer.from(sse));
    assert.equal(String(streamed.body), sse);
    const anthropicSse = "event: ping\ndata: {}\n\n";
    const anthropicStreamed = translator("Anthropic", "anthropic-messages")
      .response(responseContext(200, MODEL, { headers: { "content-type": "text/event-stream" } }))
      .body(Buffer.from(anthropicSse));
    assert.equal(String(anthropicStreamed.body), anthropicSse);
    // 3xx answers (no OpenAI API sends them) and errors pass as before.
    const redirect = chat.response(responseContext(302, MODEL)).body(Buffer.from("<html>moved</html>"));
    assert.equal(String(redirect.body), "<html>moved</html>");
    const error = chat.response(responseContext(500, MODEL)).body(Buffer.from("oops"));
    assert.equal(jsonOf(error.body) && error.status, 500);
  });
});

describe("2xx JSON nested deeper than a translator rewrites", () => {
  const deep = "[".repeat(8000) + "]".repeat(8000);
  /** The valid answer with an 8,000-level value where the upstream's free-form JSON goes. */
  const hostile: Record<string, string> = {
    "OpenAI anthropic-messages": `{"id":"c","choices":[{"message":{"content":"x","tool_calls":[{"id":"t","function":{"name":"f","arguments":"{}"}}]}}],"extra":${deep}}`,
    "Anthropic openai-chat": `{"id":"m","type":"message","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${deep}}}]}`,
    "AWSAnthropic openai-chat": `{"id":"m","type":"message","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${deep}}}]}`,
    "GCPAnthropic openai-chat": `{"id":"m","type":"message","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${deep}}}]}`,
    "AWSBedrock openai-chat": `{"output":{"message":{"content":[{"toolUse":{"toolUseId":"t","name":"f","input":${deep}}}]}}}`,
    "AWSBedrock anthropic-messages": `{"output":{"message":{"content":[{"toolUse":{"toolUseId":"t","name":"f","input":${deep}}}]}}}`,
    "AWSBedrock anthropic-count-tokens": `{"inputTokens":5,"extra":${deep}}`,
    "AWSBedrock openai-embeddings": `{"embedding":${deep},"inputTextTokenCount":1}`,
    "GCPVertexAI openai-chat": `{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":${deep}}}}]}}]}`,
    "GCPVertexAI anthropic-messages": `{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":${deep}}}}]}}]}`,
    "GCPVertexAI openai-embeddings": `{"predictions":[{"embeddings":{"values":${deep}}}]}`,
  };
  for (const [pair, body] of Object.entries(hostile)) {
    const [schema, api] = pair.split(" ") as [string, ClientApi];
    it(`${pair}: UpstreamProtocolError, not a stack overflow`, () => {
      const response = translator(schema, api).response(responseContext(200, MODEL));
      protocolError(() => response.body(Buffer.from(body)), /nests JSON more than 128 levels deep/);
    });
  }

  it("relayed answers are not walked, so their depth does not matter", () => {
    const body = `{"id":"m","type":"message","content":[],"usage":{"input_tokens":1},"extra":${deep}}`;
    for (const schema of ["Anthropic", "AWSAnthropic", "GCPAnthropic"]) {
      const out = translator(schema, "anthropic-messages")
        .response(responseContext(200, MODEL))
        .body(Buffer.from(body));
      assert.equal(String(out.body), body);
    }
    const chat = `{"id":"c","choices":[],"usage":{"total_tokens":2},"extra":${deep}}`;
    const response = translator("OpenAI", "openai-chat").response(responseContext(200, MODEL));
    assert.equal(String(response.body(Buffer.from(chat)).body), chat);
    assert.equal(response.usage.totalTokens, 2);
  });
});

function streamResponse(schema: string, api: ClientApi): ResponseTranslator {
  return translator(schema, api).response(responseContext(200, MODEL, { stream: true }));
}

describe("stream events nested deeper than a translator rewrites", () => {
  const deep = "[".repeat(8000) + "]".repeat(8000);
  const toolStart = `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{"a":${deep}}}}`;

  it("Anthropic SSE -> chat chunks: UpstreamProtocolError", () => {
    const response = streamResponse("Anthropic", "openai-chat");
    protocolError(
      () => response.chunk(Buffer.from(`event: content_block_start\ndata: ${toolStart}\n\n`)),
      /128 levels/,
    );
  });

  it("Bedrock InvokeModel stream -> Anthropic events and chat chunks: UpstreamProtocolError", () => {
    const frame = encodeAwsEvent("chunk", { bytes: Buffer.from(toolStart).toString("base64") });
    for (const api of ["anthropic-messages", "openai-chat"] as const) {
      protocolError(() => streamResponse("AWSAnthropic", api).chunk(frame), /128 levels/);
    }
  });

  it("OpenAI chunks -> Anthropic events: UpstreamProtocolError", () => {
    const chunk = `data: {"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":${deep}}}]}}]}\n\n`;
    protocolError(
      () => streamResponse("OpenAI", "anthropic-messages").chunk(Buffer.from(chunk)),
      /128 levels/,
    );
  });

  it("ConverseStream: the stream's own error event, as for any unreadable payload", () => {
    const bytes = Buffer.concat([
      encodeAwsEvent("messageStart", { role: "assistant" }),
      encodeAwsEventRaw("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":${deep}}}`),
    ]);
    const chat = runStream(streamResponse("AWSBedrock", "openai-chat"), bytes, 1 << 20);
    assert.match(
      chat,
      /"type":"AWSBedrockBackendError","code":"502","message":"contentBlockDelta payload from the upstream nests JSON too deeply"/,
    );
    const messages = runStream(streamResponse("AWSBedrock", "anthropic-messages"), bytes, 1 << 20);
    assert.match(
      messages,
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"contentBlockDelta payload/,
    );
  });

  it("the Anthropic passthrough relays its stream, reading only the usage events", () => {
    const response = streamResponse("Anthropic", "anthropic-messages");
    const sse = `event: content_block_start\ndata: ${toolStart}\n\n`;
    assert.equal(String(response.chunk(Buffer.from(sse))), sse);
  });
});

/** An AWS event frame whose payload is the given JSON text as it is (encodeAwsEvent serialises a value). */
function encodeAwsEventRaw(eventType: string, json: string): Buffer {
  return Buffer.from(
    codec.encode({
      headers: {
        ":event-type": { type: "string", value: eventType },
        ":content-type": { type: "string", value: "application/json" },
        ":message-type": { type: "string", value: "event" },
      },
      body: Buffer.from(json),
    }),
  );
}

describe("streams in which nothing recognisable arrived", () => {
  const unrecognisable = [
    Buffer.alloc(0),
    // Frames of other event types, and chunk frames that do not hold an Anthropic event.
    encodeAwsEvent("somethingElse", { bytes: Buffer.from('{"type":"message_start"}').toString("base64") }),
    encodeAwsEvent("chunk", { bytes: Buffer.from("not json").toString("base64") }),
    encodeAwsEvent("chunk", { bytes: Buffer.from('{"no":"type"}').toString("base64") }),
    encodeAwsEvent("chunk", { nobytes: true }),
  ];

  for (const api of ["anthropic-messages", "openai-chat"] as const) {
    it(`Claude on Bedrock (InvokeModelWithResponseStream) -> ${api}: UpstreamProtocolError at end()`, () => {
      for (const bytes of [...unrecognisable, Buffer.concat(unrecognisable)]) {
        const response = streamResponse("AWSAnthropic", api);
        if (bytes.length > 0) assert.equal(response.chunk(bytes) ?? "", "");
        protocolError(() => response.end(), /without any Anthropic event/);
      }
      // A real stream still ends cleanly, and one cut in the middle of a frame does not.
      runStream(streamResponse("AWSAnthropic", api), invokeToolUseStream, 7);
      const cut = streamResponse("AWSAnthropic", api);
      cut.chunk(invokeToolUseStream.subarray(0, invokeToolUseStream.length - 5));
      protocolError(() => cut.end(), /ended in the middle of an event/);
    });

    it(`Claude on Bedrock -> ${api}: a corrupt frame is UpstreamProtocolError`, () => {
      const frame = Buffer.from(invokeChunk(invokeToolUseEvents[0]!));
      frame[frame.length - 1]! ^= 0xff; // the message CRC
      protocolError(() => streamResponse("AWSAnthropic", api).chunk(frame), /corrupt AWS event stream/);
    });
  }

  it("an Anthropic SSE stream without an event -> chat chunks: UpstreamProtocolError at end()", () => {
    for (const schema of ["Anthropic", "GCPAnthropic"]) {
      for (const body of ["", ": comment only\n\n", "data: not json\n\n", "<html>hi</html>"]) {
        const response = streamResponse(schema, "openai-chat");
        if (body !== "") response.chunk(Buffer.from(body));
        protocolError(() => response.end(), /ended without any event/);
      }
      runStream(streamResponse(schema, "openai-chat"), toolUseStream, 13);
    }
  });

  it("an OpenAI stream without a chunk -> Anthropic events: UpstreamProtocolError, also at [DONE]", () => {
    const openai = translator("OpenAI", "anthropic-messages");
    const empty = openai.response(responseContext(200, MODEL, { stream: true }));
    protocolError(() => empty.end(), /ended without any chunk/);
    const onlyDone = openai.response(responseContext(200, MODEL, { stream: true }));
    protocolError(() => onlyDone.chunk(Buffer.from("data: [DONE]\n\n")), /ended without any chunk/);
    const garbage = openai.response(responseContext(200, MODEL, { stream: true }));
    garbage.chunk(Buffer.from("data: nope\n\ndata: [1,2]\n\n"));
    protocolError(() => garbage.end());
    // One real chunk is enough for a (short) message.
    const one = openai.response(responseContext(200, MODEL, { stream: true }));
    const out = runStream(
      one,
      'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n',
      9,
    );
    assert.match(out, /event: message_stop/);
  });

  it("ConverseStream keeps its own error event for a stream without messageStop", () => {
    const out = runStream(
      streamResponse("AWSBedrock", "openai-chat"),
      encodeStream(TEXT_STREAM.slice(0, 2)),
      5,
    );
    assert.match(out, /the AWS Bedrock stream ended before messageStop/);
  });
});

describe("Claude on Bedrock's own Anthropic error bodies", () => {
  const overloaded =
    '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}';

  it("are relayed as they are to Anthropic clients, status kept", () => {
    for (const api of ["anthropic-messages", "anthropic-count-tokens"] as const) {
      for (const schema of ["AWSAnthropic", "AWSBedrock"]) {
        const response = translator(schema, api).response(
          responseContext(529, MODEL, { headers: { "content-type": "application/json" } }),
        );
        const out = response.body(Buffer.from(overloaded));
        assert.equal(out.status, 529);
        // Converse answers say it in the Anthropic envelope, with the same type and message.
        if (schema === "AWSAnthropic" || api === "anthropic-count-tokens")
          assert.equal(String(out.body), overloaded, `${schema} ${api}`);
        else
          assert.deepEqual(jsonOf(out.body), {
            type: "error",
            error: { type: "overloaded_error", message: "Overloaded" },
          });
        assert.deepEqual(response.usage, emptyUsage());
      }
    }
  });

  it("keep their Anthropic type for OpenAI clients", () => {
    for (const schema of ["AWSAnthropic", "AWSBedrock"]) {
      const out = translator(schema, "openai-chat")
        .response(responseContext(529, MODEL))
        .body(Buffer.from(overloaded));
      assert.equal(out.status, 529);
      assert.deepEqual(jsonOf(out.body), {
        type: "error",
        error: { type: "overloaded_error", code: "529", message: "Overloaded" },
      });
    }
  });

  it("with x-amzn-errortype, Bedrock's error type still wins", () => {
    const response = translator("AWSAnthropic", "anthropic-messages").response(
      responseContext(429, MODEL, {
        headers: { "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/" },
      }),
    );
    const out = response.body(
      Buffer.from('{"type":"error","error":{"type":"api_error","message":"x"},"message":"Slow down"}'),
    );
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: { type: "rate_limit_error", message: "Slow down" },
    });
  });
});

describe("fields of the wrong type from a broken upstream", () => {
  /** Values a broken upstream puts where an object, a string or a number belongs. */
  const WRONG: unknown[] = [
    null,
    0,
    -1,
    "",
    "x",
    true,
    [],
    {},
    [null],
    { toString: 1 },
    { type: null },
    [[]],
  ];
  let seed = 20261202;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const paths = (value: unknown, path: string[] = [], out: string[][] = []): string[][] => {
    out.push(path);
    if (typeof value === "object" && value !== null) {
      for (const key of Object.keys(value))
        paths((value as Record<string, unknown>)[key], [...path, key], out);
    }
    return out;
  };
  /** `value` with one member, picked at random, replaced by a wrong value or removed. */
  const mutate = (value: unknown): unknown => {
    const copy = structuredClone(value) as Record<string, unknown>;
    const all = paths(copy).filter((p) => p.length > 0);
    const path = all[random(all.length)]!;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
    const last = path.at(-1)!;
    if (random(6) === 0) delete parent[last];
    else parent[last] = structuredClone(WRONG[random(WRONG.length)]);
    return copy;
  };
  /** Runs `fn` on many mutations of `sample`: each must succeed or be UpstreamProtocolError. */
  const survives = (sample: unknown, fn: (mutated: unknown) => void): void => {
    for (let i = 0; i < 300; i++) {
      let mutated = sample;
      for (let m = 1 + random(2); m > 0; m--) mutated = mutate(mutated);
      try {
        fn(mutated);
      } catch (err) {
        if (!(err instanceof UpstreamProtocolError)) {
          assert.fail(`${String(err)} for ${JSON.stringify(mutated)}`);
        }
      }
    }
  };
  const chatCompletion = {
    id: "c",
    model: "m",
    choices: [
      {
        index: 0,
        message: {
          content: "x",
          reasoning_content: "r",
          tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: {
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
      prompt_tokens_details: { cached_tokens: 1 },
    },
  };
  const converse = {
    output: {
      message: {
        content: [
          { text: "x" },
          { toolUse: { toolUseId: "t", name: "f", input: { a: 1 } } },
          { reasoningContent: { reasoningText: { text: "r", signature: "s" } } },
          { reasoningContent: { redactedContent: "AAAA" } },
        ],
      },
    },
    stopReason: "tool_use",
    usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3, cacheReadInputTokens: 1 },
  };

  const whole = (schema: string, api: ClientApi, sample: unknown) =>
    it(`${schema} ${api}: whole answers`, () => {
      survives(sample, (mutated) => {
        translator(schema, api)
          .response(responseContext(200, MODEL))
          .body(Buffer.from(JSON.stringify(mutated)));
      });
    });
  whole("Anthropic", "openai-chat", toolUseMessage);
  whole("AWSAnthropic", "openai-chat", toolUseMessage);
  whole("OpenAI", "anthropic-messages", chatCompletion);
  whole("OpenAI", "openai-chat", chatCompletion);
  whole("AWSBedrock", "openai-chat", converse);
  whole("AWSBedrock", "anthropic-messages", converse);
  whole("AWSBedrock", "openai-embeddings", { embedding: [0.5], inputTextTokenCount: 1 });
  const gemini = {
    candidates: [
      {
        index: 0,
        content: {
          role: "model",
          parts: [
            { text: "r", thought: true },
            { text: "x" },
            { functionCall: { name: "f", args: { a: 1 } }, thoughtSignature: "s" },
          ],
        },
        finishReason: "STOP",
      },
    ],
    promptFeedback: { blockReason: "OTHER" },
    usageMetadata: {
      promptTokenCount: 1,
      candidatesTokenCount: 2,
      thoughtsTokenCount: 1,
      totalTokenCount: 4,
    },
    modelVersion: "gemini-2.5-flash",
    responseId: "r1",
    createTime: "2026-11-24T10:00:00Z",
  };
  whole("GCPVertexAI", "openai-chat", gemini);
  whole("GCPVertexAI", "anthropic-messages", gemini);
  whole("GCPVertexAI", "openai-embeddings", {
    predictions: [{ embeddings: { values: [0.5], statistics: { token_count: 1 } } }],
  });
  whole("GCPVertexAI", "openai-embeddings", {
    embedding: { values: [0.5] },
    usageMetadata: { promptTokenCount: 1 },
  });

  it("streams: Gemini SSE events", () => {
    const events = [
      {
        candidates: [{ content: { parts: [{ text: "r", thought: true }] } }],
        responseId: "r",
        modelVersion: "g",
      },
      {
        candidates: [
          { index: 0, content: { parts: [{ text: "x" }, { functionCall: { name: "f", args: {} } }] } },
        ],
      },
      { candidates: [{ finishReason: "STOP" }], usageMetadata: { promptTokenCount: 1, totalTokenCount: 2 } },
      { promptFeedback: { blockReason: "SAFETY" } },
      { error: { code: 500, message: "boom", status: "INTERNAL" } },
    ];
    survives(events, (mutated) => {
      const sse = Array.from(mutated as unknown[], (e) => `data: ${JSON.stringify(e ?? null)}\r\n\r\n`).join(
        "",
      );
      for (const api of ["openai-chat", "anthropic-messages"] as const) {
        runStream(streamResponse("GCPVertexAI", api), sse, 1 << 20);
      }
    });
  });

  it("streams: Anthropic events, OpenAI chunks and ConverseStream events", () => {
    const chunks = [
      { id: "c", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
      {
        id: "c",
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "{}" } }] },
          },
        ],
      },
      {
        id: "c",
        choices: [{ index: 0, delta: { content: "hi" }, finish_reason: "stop" }],
        usage: { total_tokens: 2 },
      },
      { error: { message: "boom", code: 500 } },
    ];
    survives(chunks, (mutated) => {
      const sse = Array.from(mutated as unknown[], (c) => `data: ${JSON.stringify(c ?? null)}\n\n`).join("");
      runStream(streamResponse("OpenAI", "anthropic-messages"), `${sse}data: [DONE]\n\n`, 1 << 20);
    });
    const events = [
      { type: "message_start", message: { id: "m", model: "claude", usage: { input_tokens: 1 } } },
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: "t", name: "f", input: {} },
      },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{}" } },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 2 } },
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      { type: "message_stop" },
    ];
    survives(events, (mutated) => {
      const sse = Array.from(
        mutated as unknown[],
        (e) => `event: e\ndata: ${JSON.stringify(e ?? null)}\n\n`,
      ).join("");
      runStream(streamResponse("Anthropic", "openai-chat"), sse, 1 << 20);
      const invoke = Buffer.concat(
        Array.from(mutated as unknown[], (e) =>
          encodeAwsEvent("chunk", { bytes: Buffer.from(JSON.stringify(e ?? null)).toString("base64") }),
        ),
      );
      runStream(streamResponse("AWSAnthropic", "openai-chat"), invoke, 1 << 20);
      runStream(streamResponse("AWSAnthropic", "anthropic-messages"), invoke, 1 << 20);
    });
    const converseEvents = [
      { type: "messageStart", payload: { role: "assistant" } },
      {
        type: "contentBlockStart",
        payload: { contentBlockIndex: 0, start: { toolUse: { toolUseId: "t", name: "f" } } },
      },
      { type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { toolUse: { input: "{}" } } } },
      {
        type: "contentBlockDelta",
        payload: { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: "AAAA" } } },
      },
      { type: "messageStop", payload: { stopReason: "tool_use" } },
      { type: "metadata", payload: { usage: { inputTokens: 1, outputTokens: 2 } } },
    ];
    survives(converseEvents, (mutated) => {
      const frames = Array.from(mutated as ({ type?: unknown; payload?: unknown } | undefined)[], (e) =>
        encodeAwsEvent(typeof e?.type === "string" ? e.type : "x", e?.payload ?? null),
      );
      for (const api of ["openai-chat", "anthropic-messages"] as const) {
        runStream(streamResponse("AWSBedrock", api), Buffer.concat(frames), 1 << 20);
      }
    });
  });

  it("counts that are not numbers are counted as 0, never concatenated", () => {
    const response = translator("OpenAI", "openai-chat").response(responseContext(200, MODEL));
    response.body(
      Buffer.from('{"usage":{"prompt_tokens":"5","completion_tokens":3,"total_tokens":{"a":1}}}'),
    );
    // A total that is not a number is worked out from the counts that are.
    assert.deepEqual(response.usage, { ...emptyUsage(), outputTokens: 3, totalTokens: 3 });
    const converseAnswer = translator("AWSBedrock", "openai-chat").response(responseContext(200, MODEL));
    converseAnswer.body(
      Buffer.from(
        '{"output":{"message":{"content":[]}},"usage":{"inputTokens":"5","outputTokens":2,"cacheReadInputTokens":null}}',
      ),
    );
    assert.deepEqual(converseAnswer.usage, { ...emptyUsage(), outputTokens: 2, totalTokens: 2 });
  });
});

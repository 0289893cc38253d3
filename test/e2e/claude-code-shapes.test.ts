import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type ClaudeCodeCapture, claudeCodeCapture } from "../support/claude-code-captures.js";
import { FAKE_CLAUDE_RECORDED_USAGE } from "../support/fake-anthropic.js";
import {
  bedrockBackendDocs,
  EXAMPLE_CREDENTIALS,
  type FakeBedrock,
  type FakeBedrockAnswer,
  type FakeBedrockCall,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import { type FakeGcpToken, gcpPolicyDocs, startFakeGcpToken } from "../support/fake-gcp-token.js";
import {
  type FakeVertexAnthropic,
  startFakeVertexAnthropic,
  vertexAnthropicBackendDocs,
} from "../support/fake-vertex-anthropic.js";
import { configYaml, gatewayDocs, routeDoc } from "../support/gateway-yaml.js";
import { sseDataPayloads } from "../support/sse-events.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Claude Code's real requests (test/fixtures/claude-code/, captured from Claude Code 2.1.197) replayed
 * with their own headers through the gateway to Claude on Bedrock, InvokeModel (schema AWSAnthropic)
 * and Converse (schema AWSBedrock), and to Claude on Vertex (schema GCPAnthropic). The fakes refuse
 * what the platforms refuse (unknown beta flags, system-role messages, context_management without
 * its flag, adaptive thinking or effort on a model without them, fields only the Anthropic API
 * takes, Converse members it does not define), so a 200 here means the adapted request is one the
 * platform takes; the tests then check what arrived and what the client got back.
 */

type Json = Record<string, unknown>;

const OPUS_46 = "us.anthropic.claude-opus-4-6-v1";
const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const VERTEX_OPUS_46 = "claude-opus-4-6";
const VERTEX_SONNET_45 = "claude-sonnet-4-5@20250929";
const VERTEX_LOCATION = { projectName: "aigw-cc-test", region: "us-east5" };

/** Routes are picked by a test header, so every capture keeps the model Claude Code chose. */
const TARGET = "x-test-target";
const TARGETS = {
  "invoke-new": { backend: "cc-invoke", model: OPUS_46 },
  "invoke-old": { backend: "cc-invoke", model: SONNET_45 },
  "converse-new": { backend: "cc-converse", model: OPUS_46 },
  "converse-old": { backend: "cc-converse", model: SONNET_45 },
  "vertex-new": { backend: "cc-vertex", model: VERTEX_OPUS_46 },
  "vertex-old": { backend: "cc-vertex", model: VERTEX_SONNET_45 },
} as const;
type Target = keyof typeof TARGETS;

const INVOKE_USAGE = {
  input_tokens: 22,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 10,
  output_tokens: 7,
};
const INVOKE_RECORD_USAGE = {
  inputTokens: 32,
  outputTokens: 7,
  totalTokens: 39,
  cachedInputTokens: 10,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
};
const CONVERSE_RECORD_USAGE = {
  inputTokens: 41,
  outputTokens: 9,
  totalTokens: 50,
  cachedInputTokens: 0,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
};

let fake: FakeBedrock;
let tokens: FakeGcpToken;
let vertex: FakeVertexAnthropic;
let gateway: TestGateway;

before(async () => {
  fake = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS, region: "us-east-1", answer });
  tokens = await startFakeGcpToken({ expiresIn: 3600 });
  vertex = await startFakeVertexAnthropic({
    ...VERTEX_LOCATION,
    isValidToken: (token) => tokens.isValid(token),
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      bedrockBackendDocs("cc-invoke", fake, {
        schema: { name: "AWSAnthropic" },
        credentials: EXAMPLE_CREDENTIALS,
        region: "us-east-1",
      }),
      bedrockBackendDocs("cc-converse", fake, {
        schema: { name: "AWSBedrock" },
        credentials: EXAMPLE_CREDENTIALS,
        region: "us-east-1",
      }),
      vertexAnthropicBackendDocs("cc-vertex", vertex.url),
      gcpPolicyDocs("cc-vertex", tokens.account, VERTEX_LOCATION),
      routeDoc("claude-code", {
        rules: Object.entries(TARGETS).map(([value, { backend, model }]) => ({
          matches: [{ headers: [{ type: "Exact", name: TARGET, value }] }],
          backendRefs: [{ name: backend, modelNameOverride: model }],
        })),
      }),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await fake?.close();
  await vertex?.close();
  await tokens?.close();
});

/** Has the conversation a tool_result in its last turn? Then the tool ran and Claude answers in text. */
function wantsToolCall(body: Json): boolean {
  const text = JSON.stringify(body.messages ?? []);
  return text.includes("USE_TOOL") && !text.includes("tool_result");
}

function answer(call: FakeBedrockCall): FakeBedrockAnswer {
  if (call.operation === "count-tokens") return { json: { inputTokens: call.countTokens?.inputTokens } };
  const streamed = call.operation === "invoke-with-response-stream" || call.operation === "converse-stream";
  const tool = wantsToolCall(
    call.operation.startsWith("converse") ? { messages: converseText(call.body) } : call.body,
  );
  if (call.operation.startsWith("converse")) return converseAnswer(streamed, tool);
  const events = invokeEvents(tool);
  if (!streamed) {
    return {
      json: {
        id: "msg_bdrk_cc",
        type: "message",
        role: "assistant",
        model: "claude-opus-4-6",
        content: [{ type: "text", text: "hi from Bedrock" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: INVOKE_USAGE,
      },
    };
  }
  return {
    events: events.map((event, i) => [
      "chunk",
      { bytes: Buffer.from(JSON.stringify(event)).toString("base64"), p: "abcdefghij".slice(0, (i % 9) + 1) },
    ]),
  };
}

/** Converse messages' text, for the tool decision (Converse blocks are {text} / {toolResult}). */
function converseText(body: Json): unknown {
  return JSON.stringify(body.messages).replace(/"toolResult"/g, '"tool_result"');
}

/** Anthropic events as Claude on Bedrock streams them: a Bash tool call, or text. */
function invokeEvents(tool: boolean): Json[] {
  const start = {
    type: "message_start",
    message: {
      id: "msg_bdrk_cc",
      type: "message",
      role: "assistant",
      model: "claude-opus-4-6",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...INVOKE_USAGE, output_tokens: 1 },
    },
  };
  const blocks: Json[] = tool
    ? [
        {
          type: "content_block_start",
          index: 0,
          content_block: { type: "tool_use", id: "toolu_bdrk_1", name: "Bash", input: {} },
        },
        {
          type: "content_block_delta",
          index: 0,
          delta: { type: "input_json_delta", partial_json: '{"command":"echo hi",' },
        },
        {
          type: "content_block_delta",
          index: 0,
          delta: { type: "input_json_delta", partial_json: '"description":"Echo"}' },
        },
      ]
    : [
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi from " } },
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Bedrock" } },
      ];
  return [
    start,
    ...blocks,
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: 7 },
    },
    {
      type: "message_stop",
      "amazon-bedrock-invocationMetrics": { inputTokenCount: 32, outputTokenCount: 7 },
    },
  ];
}

function converseAnswer(streamed: boolean, tool: boolean): FakeBedrockAnswer {
  const usage = { inputTokens: 41, outputTokens: 9, totalTokens: 50 };
  if (!streamed) {
    return {
      json: {
        output: { message: { role: "assistant", content: [{ text: "hi from Converse" }] } },
        stopReason: "end_turn",
        usage,
        metrics: { latencyMs: 100 },
      },
    };
  }
  const content: [string, Json][] = tool
    ? [
        [
          "contentBlockStart",
          { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_cc1", name: "Bash" } }, p: "ab" },
        ],
        [
          "contentBlockDelta",
          { contentBlockIndex: 0, delta: { toolUse: { input: '{"command":"echo hi"}' } }, p: "abc" },
        ],
      ]
    : [
        ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "hi from " }, p: "abcd" }],
        ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Converse" }, p: "abcde" }],
      ];
  return {
    events: [
      ["messageStart", { role: "assistant", p: "abcdefgh" }],
      ...content,
      ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghij" }],
      ["messageStop", { stopReason: tool ? "tool_use" : "end_turn", p: "abcdef" }],
      ["metadata", { usage, metrics: { latencyMs: 120 }, p: "abcdefghijk" }],
    ],
  };
}

/** Replays a capture as Claude Code sent it (its path, headers and body) with a client key of its own. */
async function replay(capture: ClaudeCodeCapture, target: Target): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gateway.url}${capture.path}`, {
    method: "POST",
    headers: { ...capture.headers, "x-api-key": "sk-ant-client", [TARGET]: target },
    body: JSON.stringify(capture.body),
  });
  return { status: response.status, text: await response.text() };
}

const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, fake, call);

/** The Anthropic events of an SSE answer, parsed. */
function events(text: string): Json[] {
  return sseDataPayloads(text).map((data) => JSON.parse(data) as Json);
}

function streamedText(text: string): string {
  return events(text)
    .filter((e) => e.type === "content_block_delta")
    .map((e) => ((e.delta as Json).text as string | undefined) ?? "")
    .join("");
}

const CAPTURED_SYSTEM_MESSAGE = (capture: ClaudeCodeCapture) =>
  ((capture.body.messages as Json[]).find((m) => m.role === "system") as Json).content as string;

describe("Claude Code -> Claude on Bedrock InvokeModel (AWSAnthropic)", () => {
  test("plain turn on a model with adaptive thinking: the body Bedrock takes arrives, the stream comes back with usage", async () => {
    const capture = claudeCodeCapture("say-hi");
    const { result, calls, record } = await observe(() => replay(capture, "invoke-new"));
    assert.equal(result.status, 200, result.text);
    assert.equal(calls.length, 1);
    const sent = calls[0]!;
    assert.equal(sent.request.url, `/model/${OPUS_46}/invoke-with-response-stream`);
    assert.equal(
      sent.request.headers["anthropic-beta"],
      undefined,
      "the client's beta header is not forwarded",
    );
    assert.equal(sent.request.headers["x-api-key"], undefined);
    assert.deepEqual(sent.body.anthropic_beta, [
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
      "context-management-2025-06-27",
      "effort-2025-11-24",
    ]);
    assert.deepEqual(sent.body.thinking, { type: "adaptive" });
    assert.deepEqual(sent.body.output_config, { effort: "high" });
    assert.deepEqual(sent.body.context_management, capture.body.context_management);
    assert.equal(sent.body.model, undefined);
    assert.equal(sent.body.stream, undefined);
    const messages = sent.body.messages as Json[];
    assert.ok(messages.every((m) => m.role === "user" || m.role === "assistant"));
    assert.deepEqual((sent.body.system as Json[]).at(-1), {
      type: "text",
      text: CAPTURED_SYSTEM_MESSAGE(capture),
    });

    assert.equal(streamedText(result.text), "hi from Bedrock");
    const types = events(result.text).map((e) => e.type);
    assert.equal(types[0], "message_start");
    assert.equal(types.at(-1), "message_stop");
    assert.equal(record.status, 200);
    assert.deepEqual(record.usage, INVOKE_RECORD_USAGE);
  });

  test("on a model without adaptive thinking or effort: thinking is mapped, effort dropped, each logged once", async () => {
    const capture = claudeCodeCapture("say-hi");
    const first = await observe(() => replay(capture, "invoke-old"));
    assert.equal(first.result.status, 200, first.result.text);
    assert.deepEqual(first.calls[0]!.body.thinking, { type: "enabled", budget_tokens: 63999 });
    assert.equal(first.calls[0]!.body.output_config, undefined);
    assert.deepEqual(first.record.usage, INVOKE_RECORD_USAGE);

    const warnings = () => gateway.logs.filter((line) => line.includes("AWSAnthropic backend"));
    const mapped = warnings().filter((line) => line.includes("mapped thinking"));
    const dropped = warnings().filter((line) => line.includes("dropped output_config.effort"));
    assert.equal(mapped.length, 1);
    assert.equal(dropped.length, 1);
    assert.match(mapped[0]!, /budget_tokens 63999/);
    const before = warnings().length;
    const again = await observe(() => replay(capture, "invoke-old"));
    assert.equal(again.result.status, 200);
    assert.equal(warnings().length, before, "the same adaptations are not logged again");
    assert.ok(!gateway.logs.some((line) => line.includes("sk-ant-client")), "no client key in the log");
  });

  test("tool use round trip: the tool call streams back, and the turn with the tool result is accepted", async () => {
    const first = await observe(() => replay(claudeCodeCapture("tool-use-1"), "invoke-new"));
    assert.equal(first.result.status, 200, first.result.text);
    const start = events(first.result.text).find((e) => e.type === "content_block_start") as Json;
    assert.deepEqual(start.content_block, { type: "tool_use", id: "toolu_bdrk_1", name: "Bash", input: {} });
    const json = events(first.result.text)
      .filter((e) => e.type === "content_block_delta")
      .map((e) => (e.delta as Json).partial_json)
      .join("");
    assert.deepEqual(JSON.parse(json), { command: "echo hi", description: "Echo" });
    assert.deepEqual(first.record.usage, INVOKE_RECORD_USAGE);

    const second = await observe(() => replay(claudeCodeCapture("tool-use-2"), "invoke-new"));
    assert.equal(second.result.status, 200, second.result.text);
    const roles = (second.calls[0]!.body.messages as Json[]).map((m) => m.role);
    assert.deepEqual(roles, ["user", "assistant", "user"]);
    assert.equal(streamedText(second.result.text), "hi from Bedrock");
  });

  test("through @anthropic-ai/sdk, not streamed, with Claude Code's headers: an Anthropic message with usage", async () => {
    const capture = claudeCodeCapture("continue");
    // The SDK refuses a non-streamed call whose max_tokens could outlast its default timeout (64000
    // would), so this one asks for fewer; everything else is the capture.
    const { stream: _stream, ...body }: Json = { ...capture.body, max_tokens: 8192 };
    const client = new Anthropic({ apiKey: "sk-ant-client", baseURL: gateway.url, maxRetries: 0 });
    const { result, calls, record } = await observe(() =>
      client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming, {
        headers: { ...capture.headers, [TARGET]: "invoke-new" },
      }),
    );
    assert.deepEqual(result.content, [{ type: "text", text: "hi from Bedrock" }]);
    assert.equal(result.usage.input_tokens, 22);
    assert.equal(calls[0]!.request.url, `/model/${OPUS_46}/invoke`);
    assert.equal(calls[0]!.request.headers["anthropic-beta"], undefined);
    assert.deepEqual(calls[0]!.body.anthropic_beta, [
      "interleaved-thinking-2025-05-14",
      "context-management-2025-06-27",
      "effort-2025-11-24",
    ]);
    assert.deepEqual(record.usage, INVOKE_RECORD_USAGE);
  });
});

/** Replays a capture's body as count_tokens (what count_tokens takes of it) with Claude Code's headers. */
async function replayCount(
  capture: ClaudeCodeCapture,
  target: Target,
): Promise<{ status: number; json: Json }> {
  const { model, messages, system, tools, thinking, context_management } = capture.body;
  const response = await fetch(`${gateway.url}/v1/messages/count_tokens?beta=true`, {
    method: "POST",
    headers: { ...capture.headers, "x-api-key": "sk-ant-client", [TARGET]: target },
    body: JSON.stringify({ model, messages, system, tools, thinking, context_management }),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

test("Claude Code -> Bedrock CountTokens (InvokeModel form): the adapted body is what is counted", async () => {
  const capture = claudeCodeCapture("tool-use-2");
  const { result, calls, record } = await observe(() => replayCount(capture, "invoke-new"));
  assert.equal(result.status, 200, JSON.stringify(result.json));
  const counted = calls[0]!.countTokens!;
  assert.equal(counted.form, "invokeModel");
  assert.equal(calls[0]!.request.headers["anthropic-beta"], undefined);
  assert.ok((counted.request.messages as Json[]).every((m) => m.role !== "system"));
  assert.deepEqual(counted.request.anthropic_beta, [
    "context-1m-2025-08-07",
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "effort-2025-11-24",
  ]);
  assert.equal(result.json.input_tokens, counted.inputTokens);
  assert.equal(record.usage.inputTokens, counted.inputTokens);
});

describe("Claude Code -> Bedrock Converse (AWSBedrock)", () => {
  test("the continued conversation: Claude's fields in additionalModelRequestFields, context editing dropped, usage counted", async () => {
    const capture = claudeCodeCapture("continue");
    const { result, calls, record } = await observe(() => replay(capture, "converse-new"));
    assert.equal(result.status, 200, result.text);
    const sent = calls[0]!;
    assert.equal(sent.request.url, `/model/${OPUS_46}/converse-stream`);
    assert.equal(sent.request.headers["anthropic-beta"], undefined);
    assert.deepEqual(sent.body.additionalModelRequestFields, {
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
      anthropic_beta: ["interleaved-thinking-2025-05-14", "effort-2025-11-24"],
    });
    assert.equal(JSON.stringify(sent.body).includes("context_management"), false);
    assert.ok((sent.body.system as Json[]).some((b) => b.text === CAPTURED_SYSTEM_MESSAGE(capture)));
    assert.equal(streamedText(result.text), "hi from Converse");
    assert.deepEqual(record.usage, CONVERSE_RECORD_USAGE);
    assert.ok(gateway.logs.some((line) => /AWSBedrock backend: dropped context_management/.test(line)));
  });

  test("tool call streamed back from Converse, on an older model with thinking mapped", async () => {
    const { result, calls, record } = await observe(() =>
      replay(claudeCodeCapture("tool-use-1"), "converse-old"),
    );
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(calls[0]!.body.additionalModelRequestFields, {
      thinking: { type: "enabled", budget_tokens: 63999 },
      anthropic_beta: ["context-1m-2025-08-07", "interleaved-thinking-2025-05-14", "effort-2025-11-24"],
    });
    const start = events(result.text).find((e) => e.type === "content_block_start") as Json;
    assert.equal((start.content_block as Json).type, "tool_use");
    assert.equal((start.content_block as Json).name, "Bash");
    assert.deepEqual(record.usage, CONVERSE_RECORD_USAGE);
  });
});

describe("Claude Code -> Claude on Vertex (GCPAnthropic)", () => {
  const observeVertex = <T>(call: () => Promise<T>) => observeCalls(gateway, vertex, call);

  test("plain turn: Vertex's flags in its header, system messages moved, the stream relayed with usage", async () => {
    const capture = claudeCodeCapture("say-hi");
    const { result, calls, record } = await observeVertex(() => replay(capture, "vertex-new"));
    assert.equal(result.status, 200, result.text);
    const sent = calls[0]!;
    assert.equal(sent.method, "streamRawPredict");
    assert.equal(sent.model, VERTEX_OPUS_46);
    assert.deepEqual(sent.betas, [
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
      "context-management-2025-06-27",
    ]);
    assert.deepEqual(sent.body.thinking, { type: "adaptive" });
    assert.deepEqual(sent.body.output_config, { effort: "high" });
    assert.deepEqual(sent.body.context_management, capture.body.context_management);
    assert.deepEqual(sent.body.metadata, capture.body.metadata);
    assert.ok((sent.body.messages as Json[]).every((m) => m.role !== "system"));
    assert.deepEqual((sent.body.system as Json[]).at(-1), {
      type: "text",
      text: CAPTURED_SYSTEM_MESSAGE(capture),
    });
    const types = events(result.text).map((e) => e.type);
    assert.equal(types[0], "message_start");
    assert.equal(types.at(-1), "message_stop");
    assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
  });

  test("tool result turn on an older model: thinking and effort dropped, the answer relayed", async () => {
    const capture = claudeCodeCapture("tool-use-2");
    const { result, calls, record } = await observeVertex(() => replay(capture, "vertex-old"));
    assert.equal(result.status, 200, result.text);
    assert.equal(calls[0]!.body.thinking, undefined);
    assert.equal(calls[0]!.body.output_config, undefined);
    assert.ok(streamedText(result.text).length > 0);
    assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
  });

  test("count_tokens with Claude Code's headers: the adapted body is counted, the count is the usage", async () => {
    const capture = claudeCodeCapture("continue");
    const { result, calls, record } = await observeVertex(() => replayCount(capture, "vertex-new"));
    assert.equal(result.status, 200, JSON.stringify(result.json));
    assert.equal(calls[0]!.operation, "count_tokens");
    assert.ok((calls[0]!.body.messages as Json[]).every((m) => m.role !== "system"));
    assert.equal(typeof result.json.input_tokens, "number");
    assert.equal(record.usage.inputTokens, result.json.input_tokens);
  });
});

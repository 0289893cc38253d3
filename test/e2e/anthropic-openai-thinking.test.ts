import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import {
  anthropicBackendDocs,
  FAKE_CLAUDE_ANSWER,
  FAKE_CLAUDE_REDACTED_DATA,
  FAKE_CLAUDE_REDACTED_TRIGGER,
  FAKE_CLAUDE_THINKING,
  FAKE_CLAUDE_TOOL_PREAMBLE,
  type FakeAnthropic,
  fakeClaudeMessage,
  fakeClaudeStreamEvents,
  fakeThinkingSignature,
  startFakeAnthropic,
  validateRequest,
} from "../support/fake-anthropic.js";
import {
  bedrockBackendDocs,
  EXAMPLE_CREDENTIALS,
  type FakeBedrock,
  type FakeBedrockAnswer,
  type FakeBedrockCall,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * An OpenAI chat client in a tool-use loop with Claude's extended thinking on, through the gateway to
 * Anthropic (a strict fake that checks the signatures it issued and that the thinking leads the
 * assistant turn answered by tool results) and to Claude on Bedrock (InvokeModel). The client gets
 * `thinking_blocks` (signature, redacted data) beside `reasoning_content` and sends the assistant
 * message back as it received it, or, when streamed, as it assembled it from the deltas.
 */

const UPSTREAM_KEY = "sk-ant-upstream-secret";
const SIGNATURE = fakeThinkingSignature(FAKE_CLAUDE_THINKING);

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type AssistantParam = OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam;
/** An entry of `thinking_blocks`, on a message or (partial) in a stream delta. */
type ThinkingBlock =
  | { type: "thinking"; thinking?: string; signature: string }
  | { type: "redacted_thinking"; data: string };

let anthropic: FakeAnthropic;
let bedrock: FakeBedrock;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  anthropic = await startFakeAnthropic({ apiKey: UPSTREAM_KEY });
  bedrock = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS, answer: claudeOnBedrock });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      anthropicBackendDocs("claude", anthropic.url, { apiKey: UPSTREAM_KEY }),
      bedrockBackendDocs("claude-bedrock", bedrock, {
        schema: { name: "AWSAnthropic" },
        credentials: EXAMPLE_CREDENTIALS,
      }),
      routeDoc("main", {
        rules: [
          { matches: [modelIs("claude-sonnet-4-5")], backendRefs: [{ name: "claude" }] },
          { matches: [modelIs("bedrock-claude")], backendRefs: [{ name: "claude-bedrock" }] },
        ],
      }),
    ),
  );
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await anthropic?.close();
  await bedrock?.close();
});

/**
 * Claude on Bedrock: InvokeModel takes the Messages request without `model` (and with
 * `anthropic_version`), so the fake Anthropic's checks and answers serve it as well.
 */
function claudeOnBedrock(call: FakeBedrockCall): FakeBedrockAnswer {
  const { anthropic_version: _version, ...messages } = call.body;
  const request = { ...messages, model: "claude-sonnet-4-5-20250929" };
  const problem = validateRequest(request, "messages", "2023-06-01");
  if (problem !== undefined) return { status: 400, errorType: "ValidationException", message: problem };
  const message = fakeClaudeMessage(request, bedrock.calls.length);
  if (call.operation !== "invoke-with-response-stream") return { json: message };
  return {
    events: fakeClaudeStreamEvents(message).map(([, event]) => [
      "chunk",
      { bytes: Buffer.from(JSON.stringify(event)).toString("base64") },
    ]),
  };
}

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

/** Turn 1's request: thinking on (an Anthropic parameter the gateway forwards), one tool. */
function firstTurn(model: string, question: string): Params {
  return {
    model,
    messages: [{ role: "user", content: question }],
    tools: [weatherTool],
    thinking: { type: "enabled", budget_tokens: 1024 },
  } as Params;
}

/** Turn 2: turn 1 plus the assistant message the client got and the tool's result. */
function secondTurn(first: Params, assistant: AssistantParam): Params {
  const callId = assistant.tool_calls?.[0]?.id ?? "";
  return {
    ...first,
    messages: [...first.messages, assistant, { role: "tool", tool_call_id: callId, content: "18C, sunny" }],
  };
}

/**
 * Streams a chat completion the way a client keeping Claude's thinking does: the SDK assembles text
 * and tool calls; the reasoning text since the last block and each signature delta make one thinking
 * block, redacted blocks come whole.
 */
async function streamTurn(params: Params): Promise<{ message: AssistantParam; reasoning: string }> {
  const thinkingBlocks: ThinkingBlock[] = [];
  let reasoning = "";
  let pending = "";
  const stream = client.chat.completions.stream({ ...params, stream: true });
  stream.on("chunk", (chunk) => {
    const delta = chunk.choices[0]?.delta as
      | { reasoning_content?: string; thinking_blocks?: ThinkingBlock[] }
      | undefined;
    reasoning += delta?.reasoning_content ?? "";
    pending += delta?.reasoning_content ?? "";
    for (const block of delta?.thinking_blocks ?? []) {
      if (block.type === "thinking") {
        thinkingBlocks.push({ type: "thinking", thinking: pending, signature: block.signature });
        pending = "";
      } else {
        thinkingBlocks.push(block);
      }
    }
  });
  const final = (await stream.finalChatCompletion()).choices[0]?.message;
  const message = {
    role: "assistant",
    content: final?.content ?? null,
    tool_calls: final?.tool_calls,
    thinking_blocks: thinkingBlocks,
  } as AssistantParam;
  return { message, reasoning };
}

/** What the upstream got as the assistant turn of turn 2. */
function sentAssistantTurn(body: Record<string, unknown>): unknown {
  const messages = body.messages as { role: string; content: unknown }[];
  assert.equal(messages.length, 3);
  return messages[1];
}

function expectedAssistantTurn(callId: string, withRedacted: boolean): unknown {
  return {
    role: "assistant",
    content: [
      { type: "thinking", thinking: FAKE_CLAUDE_THINKING, signature: SIGNATURE },
      ...(withRedacted ? [{ type: "redacted_thinking", data: FAKE_CLAUDE_REDACTED_DATA }] : []),
      { type: "text", text: FAKE_CLAUDE_TOOL_PREAMBLE },
      { type: "tool_use", id: callId, name: "get_weather", input: { location: "Paris" } },
    ],
  };
}

test("Anthropic: thinking_blocks come back with the signature and redacted data and lead turn 2's assistant turn", async () => {
  const first = firstTurn("claude-sonnet-4-5", `Weather in Paris? ${FAKE_CLAUDE_REDACTED_TRIGGER}`);
  const answer = await client.chat.completions.create(first);
  const message = answer.choices[0]?.message as OpenAI.Chat.Completions.ChatCompletionMessage & {
    reasoning_content?: string;
    thinking_blocks?: ThinkingBlock[];
  };
  assert.equal(answer.choices[0]?.finish_reason, "tool_calls");
  assert.equal(message.reasoning_content, FAKE_CLAUDE_THINKING);
  assert.deepEqual(message.thinking_blocks, [
    { type: "thinking", thinking: FAKE_CLAUDE_THINKING, signature: SIGNATURE },
    { type: "redacted_thinking", data: FAKE_CLAUDE_REDACTED_DATA },
  ]);
  const callId = message.tool_calls?.[0]?.id ?? "";

  const callsBefore = anthropic.calls.length;
  const second = await client.chat.completions.create(secondTurn(first, message as AssistantParam));
  assert.equal(second.choices[0]?.message.content, FAKE_CLAUDE_ANSWER);
  assert.equal(anthropic.calls.length, callsBefore + 1);
  assert.deepEqual(
    sentAssistantTurn(anthropic.calls[callsBefore]!.body),
    expectedAssistantTurn(callId, true),
  );
});

test("Anthropic, streamed: the signature delta closes the thinking block the client sends back", async () => {
  const first = firstTurn("claude-sonnet-4-5", "Weather in Paris?");
  const { message, reasoning } = await streamTurn(first);
  assert.equal(reasoning, FAKE_CLAUDE_THINKING);
  assert.deepEqual((message as { thinking_blocks?: unknown }).thinking_blocks, [
    { type: "thinking", thinking: FAKE_CLAUDE_THINKING, signature: SIGNATURE },
  ]);
  const callsBefore = anthropic.calls.length;
  const second = await streamTurn(secondTurn(first, message));
  assert.equal(second.message.content, FAKE_CLAUDE_ANSWER);
  assert.deepEqual(
    sentAssistantTurn(anthropic.calls[callsBefore]!.body),
    expectedAssistantTurn(message.tool_calls?.[0]?.id ?? "", false),
  );
});

test("Anthropic: a thinking block sent back without its signature is 422 and never reaches Anthropic", async () => {
  const first = firstTurn("claude-sonnet-4-5", "Weather in Paris?");
  const answer = await client.chat.completions.create(first);
  const message = answer.choices[0]?.message as AssistantParam & { thinking_blocks?: ThinkingBlock[] };
  message.thinking_blocks = [{ type: "thinking", thinking: FAKE_CLAUDE_THINKING } as ThinkingBlock];
  const requestsBefore = anthropic.requests.length;
  const refused = await client.chat.completions
    .create(secondTurn(first, message))
    .catch((err: unknown) => err);
  assert.ok(refused instanceof OpenAI.UnprocessableEntityError, String(refused));
  assert.match(
    (refused.error as { message: string }).message,
    /^invalid request body: assistant thinking_blocks\[0\] has no signature: /,
  );
  assert.equal(anthropic.requests.length, requestsBefore);
});

test("Claude on Bedrock (AWSAnthropic), streamed: the thinking block goes back first in the InvokeModel body", async () => {
  const first = firstTurn("bedrock-claude", "Weather in Paris?");
  const { message } = await streamTurn(first);
  assert.deepEqual((message as { thinking_blocks?: unknown }).thinking_blocks, [
    { type: "thinking", thinking: FAKE_CLAUDE_THINKING, signature: SIGNATURE },
  ]);
  const callsBefore = bedrock.calls.length;
  const second = await client.chat.completions.create(secondTurn(first, message));
  assert.equal(second.choices[0]?.message.content, FAKE_CLAUDE_ANSWER);
  assert.equal(bedrock.calls[callsBefore]?.operation, "invoke");
  assert.deepEqual(
    sentAssistantTurn(bedrock.calls[callsBefore]!.body),
    expectedAssistantTurn(message.tool_calls?.[0]?.id ?? "", false),
  );
});

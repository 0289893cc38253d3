import { createHmac, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { apiKeyPolicyDocs, serviceBackendDocs } from "./gateway-yaml.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
  withCalls,
  writeInPieces,
} from "./recording-upstream.js";

/**
 * A fake Anthropic API on 127.0.0.1 that is as strict as the real one where a gateway can get it wrong:
 * - `x-api-key` must be the configured key (401 authentication_error otherwise), `anthropic-version`
 *   must be present and known (400);
 * - only POST /v1/messages and /v1/messages/count_tokens exist (404 not_found_error);
 * - bodies are validated field by field like the API does for the version sent: required fields,
 *   ranges, and unknown fields anywhere answered 400 invalid_request_error "<path>: Extra inputs are
 *   not permitted". API version 2026-10-21 has no temperature, top_p or top_k (and allows messages
 *   with role "system"); 2023-06-01 has them;
 * - answers are deterministic Messages (text, or a call of the first tool while the conversation
 *   does not yet hold a tool result; a signed thinking block when thinking is enabled, and a
 *   redacted_thinking block too when the last user message holds FAKE_CLAUDE_REDACTED_TRIGGER, as the
 *   API documents for testing), streamed as SSE with an `event:` line per event and a ping, cut at
 *   awkward byte boundaries and written in separate turns;
 * - thinking blocks sent back must carry the signature the fake issued for their text and redacted
 *   blocks the data it issued; with thinking enabled, the assistant turn answered by tool results must
 *   start with a thinking block (400 with the API's messages otherwise).
 */

export const FAKE_CLAUDE_ANSWER_PIECES: readonly string[] = ["Hello", " from", " the", " fake", " Claude!"];
export const FAKE_CLAUDE_ANSWER = FAKE_CLAUDE_ANSWER_PIECES.join("");
export const FAKE_CLAUDE_THINKING = "The user greets me.";
/** The string Anthropic documents for testing: a prompt holding it is answered with redacted thinking. */
export const FAKE_CLAUDE_REDACTED_TRIGGER =
  "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253";
export const FAKE_CLAUDE_REDACTED_DATA =
  "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN3kYiXAhz4HKTO";

/** The signature the fake gives a thinking text: opaque to clients, checkable by the fake alone. */
export function fakeThinkingSignature(thinking: string): string {
  return createHmac("sha256", "fake-anthropic-thinking").update(thinking).digest("base64");
}
export const FAKE_CLAUDE_TOOL_PREAMBLE = "Let me check.";
export const FAKE_CLAUDE_TOOL_INPUT_PIECES: readonly string[] = ['{"loc', 'ation": ', '"Paris"}'];
export const FAKE_CLAUDE_TOOL_INPUT = { location: "Paris" };
/** Usage of every answer: input excludes the cache parts, as Anthropic reports it. */
export const FAKE_CLAUDE_USAGE = {
  input_tokens: 25,
  cache_creation_input_tokens: 4,
  cache_read_input_tokens: 16,
  output_tokens: 12,
} as const;
/** FAKE_CLAUDE_USAGE as the gateway records it: input counts the cache read and cache creation parts. */
export const FAKE_CLAUDE_RECORDED_USAGE = {
  inputTokens: 45,
  outputTokens: 12,
  totalTokens: 57,
  cachedInputTokens: 16,
  cacheCreationInputTokens: 4,
  reasoningTokens: 0,
};

export const KNOWN_VERSIONS: ReadonlySet<string> = new Set(["2023-01-01", "2023-06-01", "2026-10-21"]);

/** A request the fake accepted, with what it understood of it. */
export interface FakeAnthropicCall {
  operation: "messages" | "count_tokens";
  version: string;
  body: Record<string, unknown>;
  request: ReceivedRequest;
}

export type FakeAnthropicAnswer =
  /** The default deterministic answer. */
  | { default: true }
  /** An error in Anthropic's envelope. */
  | { status: number; errorType: string; message: string }
  /** Anything else, verbatim. */
  | { status: number; contentType: string; raw: string }
  /** A stream that fails after message_start with an error event. */
  | { streamError: { type: string; message: string } };

export interface FakeAnthropicOptions {
  /** The one key it accepts in x-api-key. */
  apiKey: string;
  /** Overrides the answer per accepted call. */
  answer?: (call: FakeAnthropicCall) => FakeAnthropicAnswer;
}

/** `calls` holds the requests that passed authentication and validation. */
export type FakeAnthropic = FakeUpstream<FakeAnthropicCall>;

/** Byte counts the SSE body is cut into, cycled. */
const CHUNK_SIZES = [7, 1, 30, 3, 64, 11, 2, 120];

export async function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeAnthropic> {
  const calls: FakeAnthropicCall[] = [];
  let messageCount = 0;
  const upstream: RecordingUpstream = await startRecordingUpstream(async (req, res) => {
    const operation =
      req.url === "/v1/messages"
        ? "messages"
        : req.url === "/v1/messages/count_tokens"
          ? "count_tokens"
          : undefined;
    if (req.method !== "POST" || operation === undefined)
      return sendError(res, 404, "not_found_error", "Not Found");
    if (req.headers["x-api-key"] !== options.apiKey) {
      return sendError(res, 401, "authentication_error", "invalid x-api-key");
    }
    const version = req.headers["anthropic-version"];
    if (typeof version !== "string" || version === "") {
      return sendError(res, 400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (!KNOWN_VERSIONS.has(version)) {
      return sendError(res, 400, "invalid_request_error", `anthropic-version: invalid version '${version}'`);
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString("utf8"));
    } catch {
      return sendError(
        res,
        400,
        "invalid_request_error",
        "There was an error parsing the body of your request.",
      );
    }
    const problem = validateRequest(body, operation, version);
    if (problem !== undefined) return sendError(res, 400, "invalid_request_error", problem);
    const call: FakeAnthropicCall = {
      operation,
      version,
      body: body as Record<string, unknown>,
      request: req,
    };
    calls.push(call);
    const answer = options.answer?.(call) ?? { default: true };
    if ("errorType" in answer) return sendError(res, answer.status, answer.errorType, answer.message);
    if ("raw" in answer) {
      res.writeHead(answer.status, { "content-type": answer.contentType });
      res.end(answer.raw);
      return;
    }
    if (operation === "count_tokens") return sendJson(res, { input_tokens: fakeCountTokens(call.body) });
    messageCount++;
    const message = fakeClaudeMessage(call.body, messageCount);
    if (call.body.stream === true) {
      await sendStream(
        res,
        fakeClaudeStreamEvents(message, "streamError" in answer ? answer.streamError : undefined),
      );
      return;
    }
    sendJson(res, message);
  });
  return withCalls(upstream, calls);
}

/** count_tokens' answer: a deterministic count of the request (about 4 bytes per token). */
export function fakeCountTokens(body: Record<string, unknown>): number {
  const counted = { system: body.system, messages: body.messages, tools: body.tools };
  return Math.ceil(JSON.stringify(counted).length / 4);
}

/**
 * The Message the fake answers a validated request with (also usable for Claude on Bedrock, whose
 * InvokeModel body is the same Messages request without `model`).
 */
export function fakeClaudeMessage(body: Record<string, unknown>, n: number): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (thinkingEnabled(body)) {
    content.push({
      type: "thinking",
      thinking: FAKE_CLAUDE_THINKING,
      signature: fakeThinkingSignature(FAKE_CLAUDE_THINKING),
    });
    if (lastUserTextHas(body, FAKE_CLAUDE_REDACTED_TRIGGER))
      content.push({ type: "redacted_thinking", data: FAKE_CLAUDE_REDACTED_DATA });
  }
  const tool = firstClientTool(body);
  const callsTool =
    tool !== undefined &&
    !lastTurnHasToolResult(body) &&
    (body.tool_choice as { type?: string })?.type !== "none";
  if (callsTool) {
    content.push({ type: "text", text: FAKE_CLAUDE_TOOL_PREAMBLE, citations: null });
    content.push({ type: "tool_use", id: `toolu_fake_${n}`, name: tool, input: FAKE_CLAUDE_TOOL_INPUT });
  } else {
    content.push({ type: "text", text: FAKE_CLAUDE_ANSWER, citations: null });
  }
  return {
    id: `msg_fake_${n}`,
    type: "message",
    role: "assistant",
    model: String(body.model),
    content,
    stop_reason: callsTool ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: { ...FAKE_CLAUDE_USAGE, service_tier: "standard" },
  };
}

function firstClientTool(body: Record<string, unknown>): string | undefined {
  const tools = (body.tools ?? []) as { type?: string; name?: string }[];
  return tools.find((t) => t.type === undefined || t.type === "custom")?.name;
}

function thinkingEnabled(body: Record<string, unknown>): boolean {
  return (body.thinking as { type?: string } | undefined)?.type === "enabled";
}

function lastUserTextHas(body: Record<string, unknown>, text: string): boolean {
  const messages = body.messages as { role?: string; content: unknown }[];
  const last = messages.findLast((m) => m.role === "user")?.content;
  return typeof last === "string"
    ? last.includes(text)
    : Array.isArray(last) && last.some((b) => String((b as { text?: unknown }).text).includes(text));
}

function lastTurnHasToolResult(body: Record<string, unknown>): boolean {
  const messages = body.messages as { content: unknown }[];
  const last = messages.at(-1)?.content;
  return Array.isArray(last) && last.some((b) => (b as { type?: string }).type === "tool_result");
}

/** The events of a Message as the API streams it: [SSE event name, data]. */
export function fakeClaudeStreamEvents(
  message: Record<string, unknown>,
  failure?: { type: string; message: string },
): [string, unknown][] {
  const { content, usage: _usage, stop_reason, ...head } = message;
  const events: [string, unknown][] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          ...head,
          content: [],
          stop_reason: null,
          usage: { ...FAKE_CLAUDE_USAGE, output_tokens: 1 },
        },
      },
    ],
    ["ping", { type: "ping" }],
  ];
  if (failure) {
    events.push(["error", { type: "error", error: failure }]);
    return events;
  }
  (content as Record<string, unknown>[]).forEach((block, index) => {
    if (block.type === "thinking") {
      events.push([
        "content_block_start",
        {
          type: "content_block_start",
          index,
          content_block: { type: "thinking", thinking: "", signature: "" },
        },
      ]);
      events.push([
        "content_block_delta",
        { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: block.thinking } },
      ]);
      events.push([
        "content_block_delta",
        {
          type: "content_block_delta",
          index,
          delta: { type: "signature_delta", signature: block.signature },
        },
      ]);
    } else if (block.type === "redacted_thinking") {
      // Redacted thinking comes whole in its start event.
      events.push(["content_block_start", { type: "content_block_start", index, content_block: block }]);
    } else if (block.type === "text") {
      events.push([
        "content_block_start",
        { type: "content_block_start", index, content_block: { type: "text", text: "" } },
      ]);
      const pieces = block.text === FAKE_CLAUDE_ANSWER ? FAKE_CLAUDE_ANSWER_PIECES : [String(block.text)];
      for (const text of pieces) {
        events.push([
          "content_block_delta",
          { type: "content_block_delta", index, delta: { type: "text_delta", text } },
        ]);
      }
    } else {
      events.push([
        "content_block_start",
        { type: "content_block_start", index, content_block: { ...block, input: {} } },
      ]);
      for (const partial_json of ["", ...FAKE_CLAUDE_TOOL_INPUT_PIECES]) {
        events.push([
          "content_block_delta",
          { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } },
        ]);
      }
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  events.push([
    "message_delta",
    {
      type: "message_delta",
      delta: { stop_reason, stop_sequence: null },
      usage: { output_tokens: FAKE_CLAUDE_USAGE.output_tokens },
    },
  ]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

async function sendStream(res: ServerResponse, events: [string, unknown][]): Promise<void> {
  const bytes = Buffer.from(
    events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join(""),
  );
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": `req_${randomUUID().replaceAll("-", "")}`,
  });
  await writeInPieces(res, bytes, CHUNK_SIZES);
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, {
    "content-type": "application/json",
    "request-id": `req_${randomUUID().replaceAll("-", "")}`,
  });
  res.end(JSON.stringify(value));
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const requestId = `req_${randomUUID().replaceAll("-", "")}`;
  res.writeHead(status, { "content-type": "application/json", "request-id": requestId });
  res.end(JSON.stringify({ type: "error", error: { type, message }, request_id: requestId }));
}

// ---- Request validation, as the API reports problems: "<field path>: <what is wrong>". ----

const MESSAGES_FIELDS = [
  "model",
  "messages",
  "max_tokens",
  "system",
  "stop_sequences",
  "stream",
  "metadata",
  "tools",
  "tool_choice",
  "thinking",
  "service_tier",
  "container",
  "mcp_servers",
  "context_management",
  "output_config",
  "inference_geo",
  "cache_control",
];
const COUNT_TOKENS_FIELDS = [
  "model",
  "messages",
  "system",
  "tools",
  "tool_choice",
  "thinking",
  "mcp_servers",
  "context_management",
  "output_config",
  "cache_control",
];
/** Sampling parameters exist up to API version 2023-06-01 and were removed in 2026-10-21. */
const SAMPLING_FIELDS = ["temperature", "top_p", "top_k"];

const BLOCK_FIELDS: Record<string, string[]> = {
  text: ["type", "text", "cache_control", "citations"],
  image: ["type", "source", "cache_control"],
  document: ["type", "source", "title", "context", "citations", "cache_control"],
  tool_use: ["type", "id", "name", "input", "cache_control"],
  tool_result: ["type", "tool_use_id", "content", "is_error", "cache_control"],
  thinking: ["type", "thinking", "signature"],
  redacted_thinking: ["type", "data"],
};
const SOURCE_FIELDS: Record<string, string[]> = {
  base64: ["type", "media_type", "data"],
  url: ["type", "url"],
  text: ["type", "media_type", "data"],
};
const TOOL_FIELDS = ["type", "name", "description", "input_schema", "cache_control", "strict"];

/** The first problem the API would report, or undefined when the request is valid. */
export function validateRequest(
  body: unknown,
  operation: "messages" | "count_tokens",
  version: string,
): string | undefined {
  if (!isObject(body)) return "body: Input should be a valid dictionary";
  const sampling = version !== "2026-10-21";
  const allowed = new Set([
    ...(operation === "messages" ? MESSAGES_FIELDS : COUNT_TOKENS_FIELDS),
    ...(sampling && operation === "messages" ? SAMPLING_FIELDS : []),
  ]);
  const extra = extraField(body, allowed, "");
  if (extra) return extra;
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (operation === "messages") {
    if (body.max_tokens === undefined) return "max_tokens: Field required";
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 0) {
      return "max_tokens: Input should be a valid integer greater than or equal to 0";
    }
  }
  if (
    body.temperature !== undefined &&
    !(typeof body.temperature === "number" && body.temperature >= 0 && body.temperature <= 1)
  ) {
    return "temperature: Input should be less than or equal to 1";
  }
  if (body.top_p !== undefined && !(typeof body.top_p === "number" && body.top_p >= 0 && body.top_p <= 1)) {
    return "top_p: Input should be less than or equal to 1";
  }
  if (
    body.stop_sequences !== undefined &&
    !(Array.isArray(body.stop_sequences) && body.stop_sequences.every((s) => typeof s === "string"))
  ) {
    return "stop_sequences: Input should be a valid list of strings";
  }
  if (body.metadata !== undefined) {
    if (!isObject(body.metadata)) return "metadata: Input should be a valid dictionary";
    const problem = extraField(body.metadata, new Set(["user_id"]), "metadata.");
    if (problem) return problem;
  }
  const system = validateSystem(body.system);
  if (system) return system;
  const thinking = validateThinking(body.thinking, body.max_tokens, operation);
  if (thinking) return thinking;
  const tools = validateTools(body.tools, body.tool_choice);
  if (tools) return tools;
  return validateMessages(body.messages, version) ?? thinkingTurnProblem(body);
}

/**
 * With thinking enabled, the assistant turn whose tool calls the last message answers must start with
 * its thinking, as the API requires (it reports the problem on the first block).
 */
function thinkingTurnProblem(body: Record<string, unknown>): string | undefined {
  if (!thinkingEnabled(body) || !lastTurnHasToolResult(body)) return undefined;
  const messages = body.messages as { role?: string; content: unknown }[];
  const i = messages.length - 2;
  const content = messages[i]?.content;
  const first = Array.isArray(content) ? String((content[0] as { type?: unknown }).type) : "text";
  if (first === "thinking" || first === "redacted_thinking") return undefined;
  return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
}

function validateSystem(system: unknown): string | undefined {
  if (system === undefined || typeof system === "string") return undefined;
  if (!Array.isArray(system)) return "system: Input should be a valid string or list";
  for (const [i, block] of system.entries()) {
    if (!isObject(block) || block.type !== "text") return `system.${i}.type: Input should be 'text'`;
    const problem = validateBlock(block, `system.${i}`);
    if (problem) return problem;
  }
  return undefined;
}

function validateThinking(thinking: unknown, maxTokens: unknown, operation: string): string | undefined {
  if (thinking === undefined) return undefined;
  if (!isObject(thinking)) return "thinking: Input should be a valid dictionary";
  if (thinking.type === "enabled") {
    const extra = extraField(thinking, new Set(["type", "budget_tokens", "display"]), "thinking.enabled.");
    if (extra) return extra;
    const budget = thinking.budget_tokens;
    if (!Number.isInteger(budget) || (budget as number) < 1024) {
      return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
    }
    if (operation === "messages" && (budget as number) >= (maxTokens as number)) {
      return "`max_tokens` must be greater than `thinking.budget_tokens`";
    }
    return undefined;
  }
  if (thinking.type === "disabled" || thinking.type === "adaptive") return undefined;
  return "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'";
}

function validateTools(tools: unknown, toolChoice: unknown): string | undefined {
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return "tools: Input should be a valid list";
    for (const [i, tool] of tools.entries()) {
      if (!isObject(tool)) return `tools.${i}: Input should be a valid dictionary`;
      // Server tools (web_search_20250305, bash_20250124, ...) have their own fields.
      if (typeof tool.type === "string" && /_\d{8}$/.test(tool.type)) continue;
      const extra = extraField(tool, new Set(TOOL_FIELDS), `tools.${i}.custom.`);
      if (extra) return extra;
      if (tool.type !== undefined && tool.type !== "custom")
        return `tools.${i}.type: Input should be 'custom'`;
      if (typeof tool.name !== "string" || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) {
        return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
      }
      if (!isObject(tool.input_schema)) return `tools.${i}.custom.input_schema: Field required`;
      if (tool.input_schema.type !== "object")
        return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
    }
  }
  if (toolChoice !== undefined) {
    if (!isObject(toolChoice)) return "tool_choice: Input should be a valid dictionary";
    const fields: Record<string, string[]> = {
      auto: ["type", "disable_parallel_tool_use"],
      any: ["type", "disable_parallel_tool_use"],
      tool: ["type", "name", "disable_parallel_tool_use"],
      none: ["type"],
    };
    const allowed = fields[String(toolChoice.type)];
    if (!allowed)
      return "tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
    const extra = extraField(toolChoice, new Set(allowed), `tool_choice.${String(toolChoice.type)}.`);
    if (extra) return extra;
    if (toolChoice.type === "tool" && typeof toolChoice.name !== "string")
      return "tool_choice.tool.name: Field required";
  }
  return undefined;
}

function validateMessages(messages: unknown, version: string): string | undefined {
  if (!Array.isArray(messages)) return "messages: Field required";
  if (messages.length === 0) return "messages: at least one message is required";
  const roles = version === "2026-10-21" ? ["user", "assistant", "system"] : ["user", "assistant"];
  let previousToolUses = new Set<string>();
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) return `messages.${i}: Input should be a valid dictionary`;
    const extra = extraField(message, new Set(["role", "content"]), `messages.${i}.`);
    if (extra) return extra;
    if (!roles.includes(String(message.role))) {
      return `messages.${i}.role: Input should be ${roles.map((r) => `'${r}'`).join(" or ")}`;
    }
    const content = message.content;
    const toolUses = new Set<string>();
    if (typeof content === "string") {
      if (content === "" && i < messages.length - 1)
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    } else if (Array.isArray(content)) {
      if (content.length === 0)
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
      for (const [j, block] of content.entries()) {
        const path = `messages.${i}.content.${j}`;
        if (!isObject(block)) return `${path}: Input should be a valid dictionary`;
        const problem = validateBlock(block, path);
        if (problem) return problem;
        if (block.type === "tool_use") toolUses.add(String(block.id));
        if (block.type === "tool_result" && !previousToolUses.has(String(block.tool_use_id))) {
          return `${path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    } else {
      return `messages.${i}.content: Input should be a valid string or list`;
    }
    previousToolUses = toolUses;
  }
  return undefined;
}

function validateBlock(block: Record<string, unknown>, path: string): string | undefined {
  const type = String(block.type);
  const fields = BLOCK_FIELDS[type];
  if (!fields)
    return `${path}.type: Input tag '${type}' found using 'type' does not match any of the expected tags`;
  const extra = extraField(block, new Set(fields), `${path}.${type}.`);
  if (extra) return extra;
  switch (type) {
    case "text":
      return typeof block.text === "string" ? undefined : `${path}.text.text: Field required`;
    case "image":
    case "document": {
      const source = block.source;
      if (!isObject(source)) return `${path}.${type}.source: Field required`;
      const sourceFields = SOURCE_FIELDS[String(source.type)];
      if (!sourceFields)
        return `${path}.${type}.source.type: Input tag '${String(source.type)}' does not match any of the expected tags`;
      return extraField(source, new Set(sourceFields), `${path}.${type}.source.${String(source.type)}.`);
    }
    case "thinking":
      if (typeof block.thinking !== "string") return `${path}.thinking.thinking: Field required`;
      if (typeof block.signature !== "string") return `${path}.thinking.signature: Field required`;
      return block.signature === fakeThinkingSignature(block.thinking)
        ? undefined
        : `${path}: Invalid \`signature\` in \`thinking\` block`;
    case "redacted_thinking":
      return block.data === FAKE_CLAUDE_REDACTED_DATA
        ? undefined
        : `${path}: Invalid \`data\` in \`redacted_thinking\` block`;
    case "tool_use":
      if (typeof block.id !== "string" || typeof block.name !== "string")
        return `${path}.tool_use.id: Field required`;
      return isObject(block.input) ? undefined : `${path}.tool_use.input: Input should be a valid dictionary`;
    case "tool_result": {
      if (typeof block.tool_use_id !== "string") return `${path}.tool_result.tool_use_id: Field required`;
      const content = block.content;
      if (content === undefined || typeof content === "string") return undefined;
      if (!Array.isArray(content))
        return `${path}.tool_result.content: Input should be a valid string or list`;
      for (const [k, inner] of content.entries()) {
        if (!isObject(inner)) return `${path}.tool_result.content.${k}: Input should be a valid dictionary`;
        const problem = validateBlock(inner, `${path}.tool_result.content.${k}`);
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function extraField(
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  prefix: string,
): string | undefined {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) return `${prefix}${key}: Extra inputs are not permitted`;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An AIServiceBackend of schema Anthropic reaching `upstreamUrl`, with an AnthropicAPIKey policy. */
export function anthropicBackendDocs(
  name: string,
  upstreamUrl: string,
  options: { apiKey: string; schema?: Record<string, unknown> },
): Record<string, unknown>[] {
  return [
    ...serviceBackendDocs(name, upstreamUrl, { schema: options.schema ?? { name: "Anthropic" } }),
    ...apiKeyPolicyDocs(name, "AnthropicAPIKey", options.apiKey),
  ];
}

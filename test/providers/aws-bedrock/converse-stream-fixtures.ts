import { encodeAwsEvent } from "../../support/encode-aws-event.js";

/**
 * ConverseStream answers as Bedrock sends them: every payload carries the random "p" padding field,
 * metadata comes last with usage and metrics.
 */
export type StreamEvent = [eventType: string, payload: Record<string, unknown>];

export function encodeStream(events: StreamEvent[]): Buffer {
  return Buffer.concat(events.map(([type, payload]) => encodeAwsEvent(type, payload)));
}

export const TEXT_STREAM: StreamEvent[] = [
  ["messageStart", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGH", role: "assistant" }],
  ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello" }, p: "abcdefghijkl" }],
  [
    "contentBlockDelta",
    { contentBlockIndex: 0, delta: { text: "! How can I help?" }, p: "abcdefghijklmnopqrstuvwxyzABCDE" },
  ],
  ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW" }],
  ["messageStop", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHI", stopReason: "end_turn" }],
  [
    "metadata",
    {
      metrics: { latencyMs: 493 },
      p: "abcdefghijklmnopqr",
      usage: { inputTokens: 12, outputTokens: 9, totalTokens: 21 },
    },
  ],
];

export const TOOL_STREAM: StreamEvent[] = [
  ["messageStart", { p: "abcdefghijklmn", role: "assistant" }],
  ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Let me check both." }, p: "abcd" }],
  ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopq" }],
  [
    "contentBlockStart",
    {
      contentBlockIndex: 1,
      p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK",
      start: { toolUse: { name: "get_weather", toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q" } },
    },
  ],
  [
    "contentBlockDelta",
    { contentBlockIndex: 1, delta: { toolUse: { input: "" } }, p: "abcdefghijklmnopqrstu" },
  ],
  [
    "contentBlockDelta",
    { contentBlockIndex: 1, delta: { toolUse: { input: '{"city": "Pa' } }, p: "abcdefg" },
  ],
  [
    "contentBlockDelta",
    { contentBlockIndex: 1, delta: { toolUse: { input: 'ris"}' } }, p: "abcdefghijklmnop" },
  ],
  ["contentBlockStop", { contentBlockIndex: 1, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS" }],
  [
    "contentBlockStart",
    {
      contentBlockIndex: 2,
      p: "abcdefghij",
      start: { toolUse: { name: "get_weather", toolUseId: "tooluse_Qm1xV0bYS2eB7cUO9pHkAw" } },
    },
  ],
  [
    "contentBlockDelta",
    { contentBlockIndex: 2, delta: { toolUse: { input: '{"city": "Berlin"}' } }, p: "abc" },
  ],
  ["contentBlockStop", { contentBlockIndex: 2, p: "abcdefghijklmnopqrstuvwxyzAB" }],
  ["messageStop", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", stopReason: "tool_use" }],
  [
    "metadata",
    {
      metrics: { latencyMs: 1290 },
      p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY",
      usage: {
        cacheReadInputTokenCount: 1024,
        cacheReadInputTokens: 1024,
        cacheWriteInputTokenCount: 0,
        cacheWriteInputTokens: 0,
        inputTokens: 380,
        outputTokens: 112,
        totalTokens: 1516,
      },
    },
  ],
];

/** TEXT_STREAM without messageStart, its metadata before its messageStop. */
export const METADATA_FIRST_TEXT_STREAM: StreamEvent[] = [
  TEXT_STREAM[1] as StreamEvent,
  TEXT_STREAM[3] as StreamEvent,
  TEXT_STREAM[5] as StreamEvent,
  TEXT_STREAM[4] as StreamEvent,
];

/** Claude with extended thinking: a reasoning block (text, then its signature), then the answer. */
export const REASONING_STREAM: StreamEvent[] = [
  ["messageStart", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0", role: "assistant" }],
  [
    "contentBlockDelta",
    {
      contentBlockIndex: 0,
      delta: { reasoningContent: { text: "The user asks 2+2. " } },
      p: "abcdefghijklm",
    },
  ],
  [
    "contentBlockDelta",
    { contentBlockIndex: 0, delta: { reasoningContent: { text: "That is 4." } }, p: "ab" },
  ],
  [
    "contentBlockDelta",
    {
      contentBlockIndex: 0,
      delta: { reasoningContent: { signature: "EqoBCkgIBxABGAIiQHx7Sg0hD1Hc2qj1" } },
      p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
    },
  ],
  ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrstu" }],
  [
    "contentBlockDelta",
    { contentBlockIndex: 1, delta: { text: "4" }, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN" },
  ],
  ["contentBlockStop", { contentBlockIndex: 1, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHI" }],
  ["messageStop", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX", stopReason: "end_turn" }],
  [
    "metadata",
    {
      metrics: { latencyMs: 2210 },
      p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM",
      usage: { inputTokens: 46, outputTokens: 58, totalTokens: 104 },
    },
  ],
];

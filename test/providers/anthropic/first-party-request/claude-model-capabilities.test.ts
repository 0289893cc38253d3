import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claudeCapabilities } from "../../../../src/providers/anthropic/first-party-request/claude-model-capabilities.js";

describe("claudeCapabilities", () => {
  const cases: [string, { adaptiveThinking: boolean; effort: boolean } | undefined][] = [
    ["claude-opus-4-8", { adaptiveThinking: true, effort: true }],
    ["us.anthropic.claude-opus-4-6-v1", { adaptiveThinking: true, effort: true }],
    ["anthropic.claude-sonnet-4-6", { adaptiveThinking: true, effort: true }],
    ["claude-opus-4-5@20251101", { adaptiveThinking: false, effort: true }],
    ["global.anthropic.claude-opus-4-5-20251101-v1:0", { adaptiveThinking: false, effort: true }],
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", { adaptiveThinking: false, effort: false }],
    ["claude-haiku-4-5-20251001", { adaptiveThinking: false, effort: false }],
    ["claude-opus-4-20250514", { adaptiveThinking: false, effort: false }],
    ["claude-sonnet-4@20250514", { adaptiveThinking: false, effort: false }],
    ["claude-opus-4-1@20250805", { adaptiveThinking: false, effort: false }],
    ["anthropic.claude-3-7-sonnet-20250219-v1:0", { adaptiveThinking: false, effort: false }],
    ["claude-3-haiku@20240307", { adaptiveThinking: false, effort: false }],
    ["anthropic.claude-mythos-preview", { adaptiveThinking: true, effort: true }],
    ["claude-haiku-5-5", { adaptiveThinking: true, effort: true }],
    ["global.anthropic.claude-sonnet-5", { adaptiveThinking: true, effort: true }],
    ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123", undefined],
    ["my-alias", undefined],
  ];
  for (const [model, expected] of cases) {
    it(`${model}`, () => assert.deepEqual(claudeCapabilities(model), expected));
  }
});

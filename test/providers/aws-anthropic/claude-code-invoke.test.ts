import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicCountTokensAWSAnthropicTranslator as countTranslator } from "../../../src/providers/aws-anthropic/anthropic-count-tokens-aws-anthropic-translator.js";
import { anthropicMessagesAWSAnthropicTranslator as messagesTranslator } from "../../../src/providers/aws-anthropic/anthropic-messages-aws-anthropic-translator.js";
import { claudeCodeCapture } from "../../support/claude-code-captures.js";
import { jsonOf, requestInput } from "../anthropic/translator-harness.js";

type Json = Record<string, unknown>;
const schema = { name: "AWSAnthropic" as const };

describe("Claude Code's request -> Claude on Bedrock (InvokeModel)", () => {
  it("sends a body Bedrock accepts, the filtered flags in anthropic_beta, and drops the client's anthropic-beta header", () => {
    const capture = claudeCodeCapture("tool-use-2");
    const out = messagesTranslator.request(
      requestInput(capture.body, {
        schema,
        model: "us.anthropic.claude-opus-4-6-v1",
        headers: capture.headers,
      }),
    );
    assert.equal(out.path, "/model/us.anthropic.claude-opus-4-6-v1/invoke-with-response-stream");
    assert.deepEqual(out.headers, { "anthropic-beta": undefined });
    const body = jsonOf(out.body) as Json;
    assert.deepEqual(Object.keys(body).sort(), [
      "anthropic_beta",
      "anthropic_version",
      "context_management",
      "max_tokens",
      "messages",
      "metadata",
      "output_config",
      "system",
      "thinking",
      "tools",
    ]);
    assert.deepEqual(body.anthropic_beta, [
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
      "context-management-2025-06-27",
      "effort-2025-11-24",
    ]);
    assert.deepEqual(
      (body.messages as Json[]).map((m) => m.role),
      ["user", "assistant", "user"],
    );
    assert.ok(
      out.notices?.some((n) => n.field === "anthropic-beta claude-code-20250219" && n.action === "dropped"),
    );
  });

  it("count_tokens carries the same adapted body inside CountTokens", () => {
    const capture = claudeCodeCapture("say-hi");
    const { stream: _stream, max_tokens: _max, ...countBody } = capture.body;
    const out = countTranslator.request(
      requestInput(countBody, {
        schema,
        model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
        headers: capture.headers,
      }),
    );
    assert.deepEqual(out.headers, { "anthropic-beta": undefined });
    const wrapped = jsonOf(out.body) as { input: { invokeModel: { body: string } } };
    const body = JSON.parse(Buffer.from(wrapped.input.invokeModel.body, "base64").toString("utf8")) as Json;
    // Without max_tokens there is no room for a thinking budget: adaptive thinking is dropped, and
    // effort, which Sonnet 4.5 does not have, with it.
    assert.equal(body.thinking, undefined);
    assert.equal(body.output_config, undefined);
    assert.equal(body.max_tokens, 1);
    assert.ok((body.messages as Json[]).every((m) => m.role !== "system"));
  });
});

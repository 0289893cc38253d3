import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openAIChatAWSAnthropicTranslator } from "../../../src/providers/aws-anthropic/openai-chat-aws-anthropic-translator.js";
import { anthropicMessagesBedrockTranslator as translator } from "../../../src/providers/aws-bedrock/anthropic-messages-bedrock-translator.js";
import { openAIChatBedrockTranslator } from "../../../src/providers/aws-bedrock/openai-chat-bedrock-translator.js";
import { claudeCodeCapture } from "../../support/claude-code-captures.js";
import { jsonOf, requestInput } from "../anthropic/translator-harness.js";

type Json = Record<string, unknown>;
const schema = { name: "AWSBedrock" as const };

describe("Claude Code's request -> Bedrock Converse", () => {
  it("puts thinking, effort and the filtered flags in additionalModelRequestFields and drops context editing", () => {
    const capture = claudeCodeCapture("tool-use-2");
    const out = translator.request(
      requestInput(capture.body, {
        schema,
        model: "us.anthropic.claude-opus-4-6-v1",
        headers: capture.headers,
      }),
    );
    assert.equal(out.path, "/model/us.anthropic.claude-opus-4-6-v1/converse-stream");
    assert.deepEqual(out.headers, { "anthropic-beta": undefined });
    const body = jsonOf(out.body) as Json;
    assert.deepEqual(body.additionalModelRequestFields, {
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
      anthropic_beta: ["context-1m-2025-08-07", "interleaved-thinking-2025-05-14", "effort-2025-11-24"],
    });
    assert.equal(JSON.stringify(body).includes("context_management"), false);
    assert.ok(out.notices?.some((n) => n.field === "context_management" && n.action === "dropped"));
    assert.deepEqual(
      (body.messages as Json[]).map((m) => m.role),
      ["user", "assistant", "user"],
    );
  });

  it("maps adaptive thinking for an older Claude and sends no Claude fields to another model", () => {
    const capture = claudeCodeCapture("say-hi");
    const older = jsonOf(
      translator.request(
        requestInput(capture.body, {
          schema,
          model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
          headers: capture.headers,
        }),
      ).body,
    ) as Json;
    assert.deepEqual((older.additionalModelRequestFields as Json).thinking, {
      type: "enabled",
      budget_tokens: 63999,
    });
    assert.equal((older.additionalModelRequestFields as Json).output_config, undefined);

    const nova = translator.request(
      requestInput(
        { ...capture.body, thinking: undefined },
        {
          schema,
          model: "amazon.nova-pro-v1:0",
          headers: capture.headers,
        },
      ),
    );
    const novaBody = jsonOf(nova.body) as Json;
    assert.equal(novaBody.additionalModelRequestFields, undefined);
    assert.ok(nova.notices?.some((n) => n.field === "output_config" && n.action === "dropped"));
    assert.ok(nova.notices?.some((n) => n.field === "anthropic-beta" && n.action === "dropped"));
  });
});

describe("OpenAI chat to Bedrock", () => {
  it("never forwards a client's anthropic-beta header (InvokeModel and Converse read flags from the body)", () => {
    const body = { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 10 };
    const headers = { "anthropic-beta": "files-api-2025-04-14" };
    for (const [chat, schemaName] of [
      [openAIChatAWSAnthropicTranslator, "AWSAnthropic"],
      [openAIChatBedrockTranslator, "AWSBedrock"],
    ] as const) {
      const out = chat.request(
        requestInput(body, { schema: { name: schemaName }, model: "anthropic.claude-sonnet-4-6", headers }),
      );
      assert.deepEqual(out.headers, { "anthropic-beta": undefined }, schemaName);
    }
  });
});

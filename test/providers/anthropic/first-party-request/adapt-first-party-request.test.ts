import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adaptFirstPartyRequest } from "../../../../src/providers/anthropic/first-party-request/adapt-first-party-request.js";
import { BEDROCK_CONVERSE_RULES } from "../../../../src/providers/anthropic/first-party-request/bedrock-converse-rules.js";
import { BEDROCK_INVOKE_RULES } from "../../../../src/providers/anthropic/first-party-request/bedrock-invoke-rules.js";
import { VERTEX_RULES } from "../../../../src/providers/anthropic/first-party-request/vertex-rules.js";
import type { FieldNotice } from "../../../../src/providers/translator.js";
import { claudeCodeCapture } from "../../../support/claude-code-captures.js";

type Json = Record<string, unknown>;

const NEW_MODEL = "us.anthropic.claude-opus-4-6-v1";
const OLD_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

function actions(notices: FieldNotice[]): string[] {
  return notices.map((n) => `${n.action} ${n.field}`).sort();
}

describe("adaptFirstPartyRequest: Claude Code's captured request", () => {
  it("for Bedrock InvokeModel and a model with adaptive thinking: moves system messages, keeps thinking, effort, context editing and metadata, filters betas", () => {
    const capture = claudeCodeCapture("say-hi");
    const before = structuredClone(capture.body);
    const out = adaptFirstPartyRequest(capture.body, NEW_MODEL, capture.headers, BEDROCK_INVOKE_RULES);
    assert.deepEqual(capture.body, before, "the client's body is not changed");

    const messages = out.body.messages as Json[];
    assert.ok(messages.every((m) => m.role !== "system"));
    const captured = before.messages as Json[];
    const systemMessage = captured.find((m) => m.role === "system")!;
    const system = out.body.system as Json[];
    assert.equal(system.length, (before.system as unknown[]).length + 1);
    assert.deepEqual(system.at(-1), { type: "text", text: systemMessage.content });
    assert.deepEqual(out.body.thinking, { type: "adaptive" });
    assert.deepEqual(out.body.output_config, { effort: "high" });
    assert.deepEqual(out.body.context_management, before.context_management);
    assert.deepEqual(out.body.metadata, before.metadata);
    assert.deepEqual(out.betas, [
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
      "context-management-2025-06-27",
      "effort-2025-11-24",
    ]);
    assert.deepEqual(actions(out.notices), [
      "dropped anthropic-beta claude-code-20250219",
      "dropped anthropic-beta mid-conversation-system-2026-04-07",
      "dropped anthropic-beta prompt-caching-scope-2026-01-05",
      "dropped anthropic-beta thinking-token-count-2026-05-13",
      "moved messages[].role=system",
    ]);
  });

  it("for a model without adaptive thinking or effort: thinking becomes enabled with max_tokens - 1, effort is dropped", () => {
    const capture = claudeCodeCapture("say-hi");
    const out = adaptFirstPartyRequest(capture.body, OLD_MODEL, capture.headers, BEDROCK_INVOKE_RULES);
    assert.deepEqual(out.body.thinking, { type: "enabled", budget_tokens: 63999 });
    assert.equal(out.body.output_config, undefined);
    const notices = actions(out.notices);
    assert.ok(notices.includes("mapped thinking"));
    assert.ok(notices.includes("dropped output_config.effort"));
  });

  it("answering a tool call on an older model: thinking is dropped, not mapped (the tool turn has no thinking to continue)", () => {
    const capture = claudeCodeCapture("tool-use-2");
    const out = adaptFirstPartyRequest(capture.body, OLD_MODEL, capture.headers, BEDROCK_INVOKE_RULES);
    assert.equal("thinking" in out.body, false);
    const thinking = out.notices.filter((n) => n.field === "thinking");
    assert.deepEqual(
      thinking.map((n) => n.action),
      ["dropped"],
    );
    // The first turn of the same conversation, with no tool result yet, keeps thinking.
    const first = claudeCodeCapture("tool-use-1");
    const mapped = adaptFirstPartyRequest(first.body, OLD_MODEL, first.headers, BEDROCK_INVOKE_RULES);
    assert.deepEqual(mapped.body.thinking, { type: "enabled", budget_tokens: 63999 });
  });

  it("for Bedrock Converse: context editing and metadata are dropped as well", () => {
    const capture = claudeCodeCapture("tool-use-2");
    const out = adaptFirstPartyRequest(capture.body, NEW_MODEL, capture.headers, BEDROCK_CONVERSE_RULES);
    assert.equal(out.body.context_management, undefined);
    assert.ok(actions(out.notices).includes("dropped context_management"));
    assert.ok(actions(out.notices).includes("dropped metadata"));
    assert.equal(out.body.metadata, undefined);
    assert.deepEqual(out.betas, [
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
      "effort-2025-11-24",
    ]);
    // The tool turn and its result survive the move of the system message around them.
    const roles = (out.body.messages as Json[]).map((m) => m.role);
    assert.deepEqual(roles, ["user", "assistant", "user"]);
  });

  it("for Vertex: metadata stays, betas are Vertex's", () => {
    const capture = claudeCodeCapture("continue");
    const out = adaptFirstPartyRequest(capture.body, "claude-opus-4-6", capture.headers, VERTEX_RULES);
    assert.deepEqual(out.body.metadata, capture.body.metadata);
    assert.deepEqual(out.body.context_management, capture.body.context_management);
    assert.deepEqual(out.betas, ["interleaved-thinking-2025-05-14", "context-management-2025-06-27"]);
  });

  it("the haiku capture (manual thinking, no effort) only loses its unknown betas", () => {
    const capture = claudeCodeCapture("haiku-say-hi");
    const model = "anthropic.claude-haiku-4-5-20251001-v1:0";
    const out = adaptFirstPartyRequest(capture.body, model, capture.headers, BEDROCK_INVOKE_RULES);
    assert.deepEqual(out.body.thinking, capture.body.thinking);
    assert.deepEqual(out.body.messages, capture.body.messages);
    assert.deepEqual(out.body.system, capture.body.system);
    assert.deepEqual(out.betas, ["interleaved-thinking-2025-05-14", "context-management-2025-06-27"]);
  });
});

describe("adaptFirstPartyRequest: single fields", () => {
  const base = { max_tokens: 4096, messages: [{ role: "user", content: "hi" }] };

  it("drops output_config.format (structured outputs) on every platform but keeps effort", () => {
    for (const rules of [BEDROCK_INVOKE_RULES, BEDROCK_CONVERSE_RULES, VERTEX_RULES]) {
      const body = { ...base, output_config: { effort: "low", format: { type: "json_schema", schema: {} } } };
      const out = adaptFirstPartyRequest(body, NEW_MODEL, {}, rules);
      assert.deepEqual(out.body.output_config, { effort: "low" }, rules.name);
      assert.deepEqual(actions(out.notices), ["dropped output_config.format"], rules.name);
    }
  });

  it("removes output_config when nothing of it is left", () => {
    const body = { ...base, output_config: { format: { type: "json_schema", schema: {} } } };
    const out = adaptFirstPartyRequest(body, NEW_MODEL, {}, BEDROCK_INVOKE_RULES);
    assert.equal("output_config" in out.body, false);
  });

  it("adaptive thinking with no room for a 1024-token budget is dropped", () => {
    const body = { ...base, max_tokens: 1024, thinking: { type: "adaptive" } };
    const out = adaptFirstPartyRequest(body, OLD_MODEL, {}, VERTEX_RULES);
    assert.equal("thinking" in out.body, false);
    assert.deepEqual(actions(out.notices), ["dropped thinking"]);
  });

  it("leaves thinking and effort alone for a model id it cannot place (an inference-profile ARN)", () => {
    const body = { ...base, thinking: { type: "adaptive" }, output_config: { effort: "max" } };
    const arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc";
    const out = adaptFirstPartyRequest(body, arn, {}, BEDROCK_INVOKE_RULES);
    assert.deepEqual(out.body.thinking, { type: "adaptive" });
    assert.deepEqual(out.body.output_config, { effort: "max" });
    assert.deepEqual(out.notices, []);
  });

  it("adds the context-management flag the body's context_management needs", () => {
    const body = { ...base, context_management: { edits: [{ type: "clear_tool_uses_20250919" }] } };
    const out = adaptFirstPartyRequest(body, NEW_MODEL, {}, BEDROCK_INVOKE_RULES);
    assert.deepEqual(out.betas, ["context-management-2025-06-27"]);
    assert.deepEqual(actions(out.notices), ["mapped anthropic-beta context-management-2025-06-27"]);
  });

  it("merges a body anthropic_beta with the header, filters both and renames aliases", () => {
    const body = { ...base, anthropic_beta: ["files-api-2025-04-14", "advanced-tool-use-2025-11-20"] };
    const headers = {
      "anthropic-beta": ["context-1m-2025-08-07, oauth-2025-04-20", "context-1m-2025-08-07"],
    };
    const out = adaptFirstPartyRequest(body, NEW_MODEL, headers, BEDROCK_INVOKE_RULES);
    assert.equal("anthropic_beta" in out.body, false);
    assert.deepEqual(out.betas, ["context-1m-2025-08-07", "tool-search-tool-2025-10-19"]);
    assert.deepEqual(actions(out.notices), [
      "dropped anthropic-beta files-api-2025-04-14",
      "dropped anthropic-beta oauth-2025-04-20",
    ]);
  });

  it("drops the Anthropic API's own fields (service_tier, container, inference_geo, speed)", () => {
    const body = {
      ...base,
      service_tier: "auto",
      container: "c",
      inference_geo: { allow: ["us"] },
      speed: "fast",
    };
    const out = adaptFirstPartyRequest(body, NEW_MODEL, {}, VERTEX_RULES);
    assert.deepEqual(out.body, base);
    assert.equal(out.notices.length, 4);
  });
});

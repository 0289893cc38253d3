import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompiledPool } from "../../src/inference/compiled-pool.js";
import { DEFAULT_PICKER_SETTINGS } from "../../src/inference/picker-settings.js";
import { poolRequestOf, rewriteModel } from "../../src/inference/pool-request.js";
import { promptBytesOf } from "../../src/inference/prompt-bytes.js";

const pool: CompiledPool = {
  key: "default/pool",
  endpoints: [],
  targetPorts: [8000],
  appProtocol: "http",
  failureMode: "FailClose",
  endpointPicker: undefined,
  objectives: new Map([
    ["critical", 10],
    ["batch", -1],
  ]),
  rewrites: [
    {
      matches: ["chat"],
      targets: [
        { model: "llama-a", weight: 1 },
        { model: "llama-b", weight: 3 },
      ],
    },
    { matches: [], targets: [{ model: "catch-all", weight: 1 }] },
  ],
  picker: DEFAULT_PICKER_SETTINGS,
};

test("the objective header gives the priority; an unknown or absent objective is priority 0", () => {
  assert.deepEqual(poolRequestOf(pool, "x", { "x-gateway-inference-objective": "batch" }).priority, -1);
  assert.equal(poolRequestOf(pool, "x", { "x-llm-d-inference-objective": "critical" }).priority, 10);
  const unknown = poolRequestOf(pool, "x", { "x-gateway-inference-objective": "nope" });
  assert.equal(unknown.priority, 0);
  assert.equal(unknown.objective, undefined);
  assert.equal(poolRequestOf(pool, "x", {}).priority, 0);
});

test("model rewrites: the first matching rule picks a target by weight; a catch-all takes the rest", () => {
  assert.equal(
    rewriteModel(pool.rewrites, "chat", () => 0.1),
    "llama-a",
  );
  assert.equal(
    rewriteModel(pool.rewrites, "chat", () => 0.5),
    "llama-b",
  );
  assert.equal(
    rewriteModel(pool.rewrites, "other", () => 0.5),
    "catch-all",
  );
  assert.equal(
    rewriteModel([], "other", () => 0.5),
    "other",
  );
});

test("prompt bytes are the raw JSON of what the server turns into the prompt", () => {
  const chat = Buffer.from('{"model":"m","messages":[{"role":"system","content":"hi"}],"stream":true}');
  assert.equal(promptBytesOf("openai-chat", chat)?.toString(), '[{"role":"system","content":"hi"}]');
  const completion = Buffer.from('{"prompt":"once upon","model":"m"}');
  assert.equal(promptBytesOf("openai-completions", completion)?.toString(), '"once upon"');
  const messages = Buffer.from(
    '{"model":"m","system":"be brief","messages":[{"role":"user","content":"q"}]}',
  );
  assert.equal(
    promptBytesOf("anthropic-messages", messages)?.toString(),
    '"be brief"[{"role":"user","content":"q"}]',
  );
  assert.equal(promptBytesOf("openai-audio-transcriptions", Buffer.from("--boundary")), undefined);
});

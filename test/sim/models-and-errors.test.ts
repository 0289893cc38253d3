import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { RunningSimulator } from "../../src/sim/start-simulator.js";
import { startSimWithClient } from "./sim-client.js";

interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("simulator models, health and errors", () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  before(async () => ({ sim, client } = await startSimWithClient({ models: ["alpha", "beta"] })));
  after(() => sim.close());

  async function post(path: string, body: string): Promise<{ status: number; json: ErrorEnvelope }> {
    const response = await fetch(`${sim.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return { status: response.status, json: (await response.json()) as ErrorEnvelope };
  }

  it("lists the configured models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    assert.deepEqual(
      models.map((model) => [model.id, model.object]),
      [
        ["alpha", "model"],
        ["beta", "model"],
      ],
    );
  });

  it("accepts any model name in requests", async () => {
    const completion = await client.chat.completions.create({
      model: "not-listed",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(completion.model, "not-listed");
  });

  it("answers GET /health with 200", async () => {
    const response = await fetch(`${sim.url}/health`);
    assert.equal(response.status, 200);
  });

  it("rejects malformed JSON with 400 invalid_request_error", async () => {
    const { status, json } = await post("/v1/chat/completions", '{"model":');
    assert.equal(status, 400);
    assert.equal(json.error.type, "invalid_request_error");
    assert.match(json.error.message, /could not parse the JSON body/);
    assert.equal(json.error.param, null);
    assert.equal(json.error.code, null);
  });

  it("rejects a JSON body that is not an object", async () => {
    const { status } = await post("/v1/chat/completions", "[1,2]");
    assert.equal(status, 400);
  });

  it("rejects a missing model", async () => {
    const { status, json } = await post(
      "/v1/chat/completions",
      '{"messages":[{"role":"user","content":"x"}]}',
    );
    assert.equal(status, 400);
    assert.equal(json.error.message, "you must provide a model parameter");
  });

  it("rejects missing and empty messages with OpenAI's param and code", async () => {
    const missing = await post("/v1/chat/completions", '{"model":"m"}');
    assert.equal(missing.status, 400);
    assert.deepEqual(
      [missing.json.error.param, missing.json.error.code],
      ["messages", "missing_required_parameter"],
    );
    const empty = await post("/v1/chat/completions", '{"model":"m","messages":[]}');
    assert.equal(empty.status, 400);
    assert.deepEqual([empty.json.error.param, empty.json.error.code], ["messages", "empty_array"]);
  });

  it("rejects a non-positive max_tokens", async () => {
    const { status, json } = await post(
      "/v1/chat/completions",
      '{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}',
    );
    assert.equal(status, 400);
    assert.equal(json.error.param, "max_tokens");
  });

  it("answers an unknown path with 404 in the same envelope", async () => {
    const { status, json } = await post("/v1/nothing-here", "{}");
    assert.equal(status, 404);
    assert.equal(json.error.message, "Invalid URL (POST /v1/nothing-here)");
    assert.equal(json.error.type, "invalid_request_error");
  });

  it("surfaces errors to the SDK as typed API errors", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "m", messages: [] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === "empty_array",
    );
    await assert.rejects(
      client.completions.create({ model: "m" } as unknown as OpenAI.CompletionCreateParamsNonStreaming),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === "prompt",
    );
  });
});

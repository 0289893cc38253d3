import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type OpenAI from "openai";
import type { RunningSimulator } from "../../src/sim/start-simulator.js";
import { startSimWithClient } from "./sim-client.js";

function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

describe("simulator embeddings", () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  before(async () => ({ sim, client } = await startSimWithClient()));
  after(() => sim.close());

  it("returns float vectors of the default width for a string input", async () => {
    const result = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "The food was delicious",
      encoding_format: "float",
    });
    assert.equal(result.object, "list");
    assert.equal(result.model, "text-embedding-3-small");
    assert.equal(result.data.length, 1);
    assert.equal(result.data[0]?.object, "embedding");
    assert.ok(Array.isArray(result.data[0]?.embedding));
    assert.equal(result.data[0]?.embedding.length, 1536);
    assert.ok(Math.abs(norm(result.data[0]!.embedding) - 1) < 1e-4, "unit length");
    // "The food was delicious" is 22 characters: ceil(22 / 4) = 6.
    assert.deepEqual(result.usage, { prompt_tokens: 6, total_tokens: 6 });
  });

  it("answers the SDK's default base64 request with vectors that decode to the asked dimensions", async () => {
    const result = await client.embeddings.create({ model: "m", input: ["first", "second"], dimensions: 64 });
    assert.equal(result.data.length, 2);
    assert.deepEqual(
      result.data.map((item) => item.index),
      [0, 1],
    );
    for (const item of result.data) {
      assert.equal(item.embedding.length, 64);
      assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-4);
    }
    assert.notDeepEqual(result.data[0]?.embedding, result.data[1]?.embedding);
  });

  it("base64 and float encodings carry the same deterministic vector", async () => {
    const asFloat = await client.embeddings.create({
      model: "m",
      input: "same text",
      dimensions: 8,
      encoding_format: "float",
    });
    const asBase64 = await client.embeddings.create({ model: "m", input: "same text", dimensions: 8 });
    assert.deepEqual(asBase64.data[0]?.embedding, asFloat.data[0]?.embedding);
  });

  it("raw base64 is little-endian float32", async () => {
    const response = await fetch(`${sim.url}/v1/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", input: "x", dimensions: 3, encoding_format: "base64" }),
    });
    const body = (await response.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]!.embedding, "base64");
    assert.equal(bytes.length, 12);
    const decoded = [0, 1, 2].map((i) => bytes.readFloatLE(i * 4));
    assert.ok(Math.abs(norm(decoded) - 1) < 1e-4);
  });

  it("rejects an unknown encoding_format in OpenAI's envelope", async () => {
    await assert.rejects(
      client.embeddings.create({ model: "m", input: "x", encoding_format: "int8" as "float" }),
      (error: { status?: number; param?: string }) =>
        error.status === 400 && error.param === "encoding_format",
    );
  });
});

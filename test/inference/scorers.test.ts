import assert from "node:assert/strict";
import { test } from "node:test";
import { kvCacheScore, loraScore, prefixScore, queueScore } from "../../src/inference/scorers.js";

test("queue: (maxQ - q) / (maxQ - minQ), 1 when all are equal, 0 when unknown", () => {
  assert.equal(queueScore(0, 0, 10), 1);
  assert.equal(queueScore(10, 0, 10), 0);
  assert.equal(queueScore(4, 2, 10), 0.75);
  assert.equal(queueScore(3, 3, 3), 1);
  assert.equal(queueScore(Number.NaN, 0, 10), 0);
});

test("KV cache: 1 - usage, 0 when unknown; prefix: matched / blocks, 0 without blocks", () => {
  assert.equal(kvCacheScore(0.25), 0.75);
  assert.equal(kvCacheScore(undefined), 0);
  assert.equal(prefixScore(3, 4), 0.75);
  assert.equal(prefixScore(0, 0), 0);
});

test("LoRA affinity: running 1.0, free slot 0.8, waiting 0.6, else 0; base models 1.0", () => {
  const lora = (running: string[], waiting: string[], maxLora: number | undefined) => ({
    running,
    waiting,
    maxLora,
  });
  assert.equal(loraScore("a", true, lora(["a", "b"], [], 2)), 1);
  assert.equal(loraScore("a", true, lora(["b"], [], 2)), 0.8);
  assert.equal(loraScore("a", true, lora(["b"], ["a"], 3)), 0.8);
  assert.equal(loraScore("a", true, lora(["b"], ["a"], 2)), 0.6);
  assert.equal(loraScore("a", true, lora(["b"], ["c"], 2)), 0);
  assert.equal(loraScore("a", true, lora([], [], undefined)), 0);
  assert.equal(loraScore("a", true, undefined), 0);
  assert.equal(loraScore("base", false, undefined), 1);
});

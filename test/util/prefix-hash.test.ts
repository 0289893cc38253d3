import assert from "node:assert/strict";
import { test } from "node:test";
import { hashPrefixBlocks } from "../../src/util/prefix-hash.js";

function hashes(model: string, prompt: string, blockBytes = 64, maxBlocks = 256): number[] {
  const out = new Float64Array(maxBlocks);
  const n = hashPrefixBlocks(model, Buffer.from(prompt), blockBytes, maxBlocks, out);
  return [...out.subarray(0, n)];
}

test("full blocks only: a prompt shorter than a block has no hash, a tail is not hashed", () => {
  assert.equal(hashes("m", "x".repeat(63)).length, 0);
  assert.equal(hashes("m", "x".repeat(64)).length, 1);
  assert.equal(hashes("m", "x".repeat(64 * 3 + 10)).length, 3);
  assert.equal(hashes("m", "x".repeat(64 * 10), 64, 4).length, 4);
});

test("hashes chain: a shared prefix shares leading hashes, and a difference changes every later one", () => {
  const shared = "You are a helpful assistant. ".repeat(10).slice(0, 128);
  const a = hashes("m", `${shared}${"a".repeat(128)}`);
  const b = hashes("m", `${shared}${"a".repeat(64)}${"b".repeat(64)}`);
  const c = hashes("m", `X${shared.slice(1)}${"a".repeat(128)}`);
  assert.deepEqual(a.slice(0, 3), b.slice(0, 3));
  assert.notEqual(a[3], b[3]);
  // Same block content, different block before it: no hash matches.
  for (let i = 0; i < 4; i++) assert.notEqual(a[i], c[i]);
  // Repeated identical blocks still hash differently along the chain.
  const same = hashes("m", "z".repeat(256));
  assert.equal(new Set(same).size, 4);
});

test("the model name seeds the chain, and hashes are integers that fit a double exactly", () => {
  const prompt = "p".repeat(128);
  const m1 = hashes("llama", prompt);
  const m2 = hashes("llama-lora", prompt);
  assert.notEqual(m1[0], m2[0]);
  assert.notDeepEqual(hashes("ab", `c${"q".repeat(127)}`), hashes("a", `bc${"q".repeat(126)}`));
  for (const h of [...m1, ...m2]) assert.ok(Number.isSafeInteger(h) && h >= 0, String(h));
  assert.deepEqual(hashes("llama", prompt), m1);
});

test("a single changed byte anywhere in a block changes that block's hash", () => {
  const base = Buffer.alloc(64, 0x61);
  const out = new Float64Array(1);
  hashPrefixBlocks("m", base, 64, 1, out);
  const reference = out[0];
  const seen = new Set<number>([reference!]);
  for (let i = 0; i < 64; i++) {
    const changed = Buffer.from(base);
    changed[i] = 0x62;
    hashPrefixBlocks("m", changed, 64, 1, out);
    seen.add(out[0]!);
  }
  assert.equal(seen.size, 65);
});

test("a prompt at any byte offset of its buffer hashes as the same bytes at offset 0", () => {
  const text = Buffer.from("The quick brown fox jumps over the lazy dog. ".repeat(20));
  const reference = new Float64Array(16);
  const n = hashPrefixBlocks("m", new Uint8Array(text), 64, 16, reference);
  assert.equal(n, 14);
  for (const offset of [1, 2, 3]) {
    const backing = new Uint8Array(text.length + offset);
    backing.set(text, offset);
    const shifted = new Float64Array(16);
    assert.equal(hashPrefixBlocks("m", backing.subarray(offset), 64, 16, shifted), n);
    assert.deepEqual(shifted, reference, `offset ${offset}`);
  }
});

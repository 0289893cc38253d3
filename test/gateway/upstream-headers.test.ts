import * as assert from "node:assert/strict";
import { validateHeaderValue } from "node:http";
import { test } from "node:test";
import { modelHeaderValue, upstreamHeaders } from "../../src/gateway/upstream-headers.js";

/** What an upstream decoding the header gets back: the name, lone surrogates as U+FFFD. */
function decoded(value: string): string {
  return decodeURIComponent(value);
}

test("model names of visible ASCII and spaces are the header value as they are", () => {
  for (const model of [
    "gpt-4o-mini",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude",
    "100%-real model_name (v2) ~!@#$^&*[]{}|\\;'\",.<>/?`=+",
    "",
  ]) {
    assert.equal(modelHeaderValue(model), model);
  }
});

test("names that cannot be a header value are sent percent-encoded as UTF-8", () => {
  assert.equal(modelHeaderValue("模型"), "%E6%A8%A1%E5%9E%8B");
  assert.equal(modelHeaderValue("qwen-通义:7b"), "qwen-%E9%80%9A%E4%B9%89:7b");
  assert.equal(modelHeaderValue("a\u2028b"), "a%E2%80%A8b");
  assert.equal(modelHeaderValue("tab\there\nnewline\u0000nul\u007fdel"), "tab%09here%0Anewline%00nul%7Fdel");
  // Latin-1 would pass undici but arrive as Latin-1 bytes; it is encoded like the rest.
  assert.equal(modelHeaderValue("café"), "caf%C3%A9");
  // Once encoding, % and spaces are encoded too, so the value decodes to exactly the name.
  assert.equal(modelHeaderValue("50% 模型"), "50%25%20%E6%A8%A1%E5%9E%8B");
  assert.equal(decoded(modelHeaderValue("50% 模型")), "50% 模型");
  // A lone surrogate has no UTF-8: it is sent as U+FFFD instead of failing the request.
  assert.equal(modelHeaderValue("\ud800"), "%EF%BF%BD");
  assert.equal(modelHeaderValue("x\udfffy\ud83d\ude00"), "x%EF%BF%BDy%F0%9F%98%80");
});

test("whatever the name, the value is one Node and undici accept", () => {
  let seed = 99;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const ranges = [0x7f, 0x100, 0x3000, 0x10000];
  for (let i = 0; i < 5000; i++) {
    let model = "";
    for (let j = 0, n = random(12); j < n; j++) model += String.fromCharCode(random(ranges[random(4)]!));
    const value = modelHeaderValue(model);
    validateHeaderValue("x-ai-eg-model", value);
    assert.match(value, /^[\x20-\x7e]*$/);
    const wellFormed = Buffer.from(model, "utf8").toString("utf8");
    assert.equal(value === model ? value : decoded(value), wellFormed);
  }
});

test("upstreamHeaders sends the encoded model and leaves the client's model header out", () => {
  const headers = upstreamHeaders(
    { "x-ai-eg-model": "spoofed", "content-type": "application/json", authorization: "Bearer client" },
    "api.example.com",
    "模型\ud800",
    [],
    undefined,
  );
  assert.deepEqual(headers, {
    "content-type": "application/json",
    host: "api.example.com",
    "x-ai-eg-model": "%E6%A8%A1%E5%9E%8B%EF%BF%BD",
  });
  const plain = upstreamHeaders({}, "h", "gpt-4o", [], undefined);
  assert.equal(plain["x-ai-eg-model"], "gpt-4o");
});

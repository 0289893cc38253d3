import assert from "node:assert/strict";
import { test } from "node:test";
import { findTopLevelString, findTopLevelValue } from "../../src/util/find-top-level-value.js";

const spanText = (json: string, key: string): string | undefined => {
  const buf = Buffer.from(json);
  const span = findTopLevelString(buf, key);
  return span ? buf.subarray(span.start, span.end).toString() : undefined;
};

test("finds the top-level value whatever the spacing and position", () => {
  assert.equal(spanText('{"model":"a"}', "model"), '"a"');
  assert.equal(spanText('{ "n" : 1 ,\n  "model"  :\t "gpt-4o" }', "model"), '"gpt-4o"');
  assert.equal(spanText('{"messages":[],"model":"x\\"y"}', "model"), '"x\\"y"');
});

test("ignores the key inside nested objects, arrays and string values", () => {
  const json =
    '{"messages":[{"model":"nested"}],"meta":{"model":"deep"},"note":"\\"model\\":\\"fake\\"","model":"top"}';
  assert.equal(spanText(json, "model"), '"top"');
  assert.equal(spanText('{"messages":[{"model":"nested"}]}', "model"), undefined);
});

test("a key that only looks like the target, or a non-string value, is not a match", () => {
  assert.equal(spanText('{"models":"a","model_x":"b"}', "model"), undefined);
  assert.equal(spanText('{"model":null}', "model"), undefined);
  assert.equal(spanText('{"model":42}', "model"), undefined);
});

test("a value equal to the key name is not mistaken for a key", () => {
  assert.equal(spanText('{"a":"model","model":"b"}', "model"), '"b"');
  assert.equal(spanText('{"a":["model",{"x":1}],"model":"c"}', "model"), '"c"');
});

test("multi-byte characters before the value keep byte offsets right", () => {
  const json = '{"messages":[{"content":"héllo ✓ 😀"}],"model":"m"}';
  assert.equal(spanText(json, "model"), '"m"');
});

const valueText = (json: string, key: string): string | undefined => {
  const buf = Buffer.from(json);
  const span = findTopLevelValue(buf, key);
  return span ? buf.subarray(span.start, span.end).toString() : undefined;
};

test("any value type: objects and arrays with nested strings and brackets, numbers, literals", () => {
  const json =
    '{"id":"x","usage":{"prompt_tokens":8,"note":"a } ] \\" b","d":{"x":[1,{"y":2}]}},"n":12 ,"ok":true,"z":null,"arr":[1,[2],"]"]}';
  assert.equal(valueText(json, "usage"), '{"prompt_tokens":8,"note":"a } ] \\" b","d":{"x":[1,{"y":2}]}}');
  assert.equal(valueText(json, "n"), "12");
  assert.equal(valueText(json, "ok"), "true");
  assert.equal(valueText(json, "z"), "null");
  assert.equal(valueText(json, "arr"), '[1,[2],"]"]');
  assert.equal(valueText('{"a": -1.5e3}', "a"), "-1.5e3");
  assert.equal(valueText(json, "missing"), undefined);
});

test("the usage of a real chat.completion parses from its span alone", () => {
  const answer = JSON.stringify({
    id: "chatcmpl-1",
    choices: [{ index: 0, message: { role: "assistant", content: 'He said "usage": {"x":1}' } }],
    usage: { prompt_tokens: 8, completion_tokens: 377, total_tokens: 385 },
  });
  const span = findTopLevelValue(Buffer.from(answer), "usage")!;
  assert.deepEqual(JSON.parse(answer.slice(span.start, span.end)), {
    prompt_tokens: 8,
    completion_tokens: 377,
    total_tokens: 385,
  });
});

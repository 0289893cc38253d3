import assert from "node:assert/strict";
import { test } from "node:test";
import { findTopLevelString } from "../../src/util/find-top-level-string.js";

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

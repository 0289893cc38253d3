import assert from "node:assert/strict";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import {
  findTopLevelString,
  findTopLevelValue,
  type Span,
  scanTopLevelObject,
  topLevelKey,
} from "../../src/util/find-top-level-value.js";

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

const SCAN_KEYS = ["usage", "model", "a"];
const SCAN_KEY_BYTES = SCAN_KEYS.map(topLevelKey);

/** scanTopLevelObject's verdict and the text of each key's span. */
function scan(json: string): { ok: boolean; values: (string | undefined)[] } {
  const buf = Buffer.from(json);
  const spans: (Span | undefined)[] = [];
  const ok = scanTopLevelObject(buf, SCAN_KEY_BYTES, spans);
  return { ok, values: spans.map((s) => (s ? buf.toString("utf8", s.start, s.end) : undefined)) };
}

test("scanTopLevelObject accepts exactly one JSON object and finds the top-level spans", () => {
  const answer =
    ' \n{"id":"x","model":"gpt-4o","choices":[{"message":{"model":"inner","usage":1}}],"usage":{"total_tokens":3}}\n';
  assert.deepEqual(scan(answer), { ok: true, values: ['{"total_tokens":3}', '"gpt-4o"', undefined] });
  assert.deepEqual(scan("{}"), { ok: true, values: [undefined, undefined, undefined] });
  assert.deepEqual(scan('{"a":[],"a":{"b":[1,{}]}}').values[2], '{"b":[1,{}]}', "the last of repeated keys");
  assert.deepEqual(scan('{"a" : -0.5e+3 , "model":null}').values, [undefined, "null", "-0.5e+3"]);
  // Nesting deeper than any stack a recursive check would have.
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  assert.deepEqual(scan(`{"a":${deep}}`).ok, true);
  assert.deepEqual(scan(`{"a":${deep}]}`).ok, false);
});

test("scanTopLevelObject refuses what is not a JSON object: garbage, HTML, cut-off JSON, other values", () => {
  for (const body of [
    "",
    "   ",
    "<html><body>502 Bad Gateway</body></html>",
    "upstream connect error or disconnect/reset before headers",
    '{"id":"chatcmpl-1","choices":[{"message":{"content":"Hel',
    '{"id":"x"',
    '{"id":"x"}}',
    '{"id":"x"} {"id":"y"}',
    '{"id":"x"}garbage',
    "{hello}",
    '{"a":1,}',
    '{"a" 1}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":+1}',
    '{"a":tru}',
    '{"a":"\\x"}',
    '{"a":"\\u12G4"}',
    '{"a":"tab\there"}',
    '{"a":[1,2}',
    '{"a":{"b":1]}',
    '[{"a":1}]',
    '"a string"',
    "null",
    "42",
    '\ufeff{"a":1}',
  ]) {
    assert.equal(scan(body).ok, false, JSON.stringify(body));
  }
});

test("scanTopLevelObject agrees with JSON.parse on mutated JSON, spans included", () => {
  let seed = 11;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const leaf = (): unknown =>
    [
      () => random(2000) - 1000 + (random(2) ? 0.25 : 0),
      () => ["x", 'é"\\', "\n\t", "模"][random(4)],
      () => null,
    ][random(3)]!();
  const value = (depth: number): unknown => {
    const kind = depth > 3 ? 0 : random(4);
    if (kind <= 1) return leaf();
    if (kind === 2) return Array.from({ length: random(4) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: random(4) }, () => [["usage", "model", "a", "b"][random(4)]!, value(depth + 1)]),
    );
  };
  const alphabet = ' \t\n{}[]",:0123456789-+.eEtrufalsn\\u/é\u0001';
  for (let n = 0; n < 20_000; n++) {
    let text = JSON.stringify(value(0) ?? {}, null, random(3) === 0 ? 1 : undefined);
    if (random(2) === 0) text = JSON.stringify({ usage: value(1), model: "m", a: value(1) });
    for (let m = random(3); m > 0; m--) {
      const at = random(text.length + 1);
      const ch = alphabet[random(alphabet.length)]!;
      const how = random(3);
      text = text.slice(0, at) + (how === 1 ? "" : ch) + text.slice(how === 0 ? at : at + 1);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    const { ok, values } = scan(text);
    assert.equal(ok, isObject, JSON.stringify(text));
    if (!isObject) continue;
    SCAN_KEYS.forEach((key, k) => {
      const expected = (parsed as Record<string, unknown>)[key];
      const found = values[k];
      if (!Object.hasOwn(parsed as object, key)) assert.equal(found, undefined, text);
      else assert.ok(isDeepStrictEqual(JSON.parse(found!), expected), `${key} in ${text}`);
    });
  }
});

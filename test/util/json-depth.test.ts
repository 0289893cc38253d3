import assert from "node:assert/strict";
import { test } from "node:test";
import { exceedsJsonDepth } from "../../src/util/json-depth.js";

/** The answer for text and for its UTF-8 bytes, which must agree. */
function exceeds(json: string, limit: number): boolean {
  const text = exceedsJsonDepth(json, limit);
  const bytes = exceedsJsonDepth(Buffer.from(json, "utf8"), limit);
  assert.equal(bytes, text, `bytes and text disagree on ${json.slice(0, 80)}`);
  return text;
}

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

test("the depth is that of the deepest array or object; scalars are depth 0", () => {
  for (const scalar of ["1", '"x"', "null", "true", ""]) assert.equal(exceeds(scalar, 0), false);
  assert.equal(exceeds("[]", 0), true);
  assert.equal(exceeds("[]", 1), false);
  assert.equal(exceeds('{"a":[1,{"b":{}}],"c":[[]]}', 4), false);
  assert.equal(exceeds('{"a":[1,{"b":{}}],"c":[[]]}', 3), true);
  // Siblings do not add up: only nesting counts.
  assert.equal(exceeds(`[${Array.from({ length: 500 }, () => "[[1]]").join(",")}]`, 3), false);
});

test("exactly the limit passes, one level more does not", () => {
  for (const limit of [1, 64, 128, 1000]) {
    assert.equal(exceeds(nested(limit), limit), false);
    assert.equal(exceeds(nested(limit + 1), limit), true);
    assert.equal(exceeds(`{"a":${'{"b":'.repeat(limit - 1)}1${"}".repeat(limit)}`, limit), false);
    assert.equal(exceeds(`{"a":${'{"b":'.repeat(limit)}1${"}".repeat(limit + 1)}`, limit), true);
  }
});

test("brackets inside strings do not count, however the strings are escaped and however long", () => {
  const brackets = "[[[[{{{{".repeat(20);
  assert.equal(exceeds(JSON.stringify({ s: brackets }), 1), false);
  assert.equal(exceeds(JSON.stringify([`${"x".repeat(100)}${brackets}`]), 1), false);
  // Escaped quotes do not end the string, short or long; an escaped backslash before a quote does.
  assert.equal(exceeds(JSON.stringify([`a"[[[${brackets}`]), 1), false);
  assert.equal(exceeds(JSON.stringify([`${"y".repeat(40)}"[[["${brackets}`]), 1), false);
  assert.equal(exceeds(JSON.stringify([`${"z".repeat(40)}\\`, [[1]]]), 2), true);
  assert.equal(exceeds(JSON.stringify([`${"z".repeat(40)}\\\\\\"[`, [1]]), 2), false);
  assert.equal(exceeds(JSON.stringify([`${"z".repeat(40)}\\\\\\"[`, [[1]]]), 2), true);
  // Multi-byte characters (and the \u escapes of lone surrogates) are string content like any other.
  assert.equal(exceeds(JSON.stringify([`模型[[${"é".repeat(50)}[[\ud800`]), 1), false);
});

test("the answer comes as soon as the limit is passed: what follows is not read", () => {
  // Not JSON after the 201st bracket: a scan that went on would still say true, but one that
  // stopped is the point, and an unterminated string after it must not matter either.
  assert.equal(exceeds(`${"[".repeat(201)}"never closed ${"x".repeat(1000)}`, 200), true);
  const huge = Buffer.alloc(8 * 1024 * 1024, 0x5b);
  const started = process.hrtime.bigint();
  assert.equal(exceedsJsonDepth(huge, 128), true);
  assert.ok(Number(process.hrtime.bigint() - started) < 50_000_000, "far below a full scan of 8 MiB");
});

test("text too short to nest past the limit is not scanned (it holds fewer than limit + 1 bracket pairs)", () => {
  // Not JSON: limit + 1 opening brackets without their closers fit in 2 * (limit + 1) - 1 characters.
  assert.equal(exceeds("[".repeat(129), 128), false);
  assert.equal(exceeds(`${"[".repeat(129)}${" ".repeat(128)}`, 128), false);
  assert.equal(exceeds(`${"[".repeat(129)}${" ".repeat(129)}`, 128), true);
});

test("agrees with the depth of generated JSON values", () => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['"', "\\", "[", "]", "{", "}", "x", "é", "模", "\u2028", "\ud800", "\n"];
  const randomString = (): string => {
    const long = random(4) === 0;
    let s = "";
    for (let i = 0, n = long ? 30 + random(80) : random(8); i < n; i++) s += pieces[random(pieces.length)];
    return s;
  };
  const generate = (budget: number): { value: unknown; depth: number } => {
    const kind = budget === 0 ? random(3) : random(6);
    if (kind === 0) return { value: randomString(), depth: 0 };
    if (kind === 1) return { value: random(1000) - 500, depth: 0 };
    if (kind === 2) return { value: [null, true, false][random(3)], depth: 0 };
    const children = Array.from({ length: random(4) }, () => generate(budget - 1));
    const depth = 1 + Math.max(0, ...children.map((c) => c.depth));
    if (kind === 3) return { value: children.map((c) => c.value), depth };
    return { value: Object.fromEntries(children.map((c, i) => [randomString() + i, c.value])), depth };
  };
  for (let i = 0; i < 2000; i++) {
    const { value, depth } = generate(1 + random(12));
    const json = JSON.stringify(value, null, random(2) === 0 ? 1 : undefined);
    assert.equal(exceeds(json, depth), false, json);
    if (depth > 0) assert.equal(exceeds(json, depth - 1), true, json);
  }
});

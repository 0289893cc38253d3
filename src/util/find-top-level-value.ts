/**
 * Finds the value of a top-level key in a JSON object without parsing the object, so a gateway can
 * rewrite one field (e.g. `model`) and forward every other byte as the client sent it, or read one
 * field (e.g. `usage`) from an answer it passes through. Returns the byte span of the value (a
 * string includes its quotes), or undefined when the key is absent. The input must be valid JSON.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

export interface Span {
  start: number;
  end: number;
}

/** Each key's quoted bytes, made once: callers look up a few constant keys on every request. */
const quotedKeys = new Map<string, Buffer>();

export function findTopLevelValue(json: Buffer, key: string): Span | undefined {
  let target = quotedKeys.get(key);
  if (target === undefined) {
    target = Buffer.from(JSON.stringify(key));
    quotedKeys.set(key, target);
  }
  let depth = 0;
  let i = 0;
  // At depth 1, a string right after "{" or "," is a key.
  let expectKey = false;
  while (i < json.length) {
    const c = json[i]!;
    if (c === QUOTE) {
      const start = i;
      i = skipString(json, i);
      if (depth === 1 && expectKey) {
        expectKey = false;
        if (i - start === target.length && json.compare(target, 0, target.length, start, i) === 0) {
          let j = i;
          while (j < json.length && json[j] !== COLON) j++;
          j = skipSpace(json, j + 1);
          return { start: j, end: skipValue(json, j) };
        }
      }
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      expectKey = depth === 1 && c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return undefined;
}

/** The span of a top-level string value, or undefined when absent or not a string. */
export function findTopLevelString(json: Buffer, key: string): Span | undefined {
  const span = findTopLevelValue(json, key);
  return span && json[span.start] === QUOTE ? span : undefined;
}

/** Index just past the value starting at `i`. */
function skipValue(json: Buffer, i: number): number {
  const c = json[i];
  if (c === QUOTE) return skipString(json, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    let j = i;
    while (j < json.length) {
      const d = json[j]!;
      if (d === QUOTE) {
        j = skipString(json, j);
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return j + 1;
      j++;
    }
    return j;
  }
  // A number or a literal: up to the next delimiter.
  let j = i;
  while (j < json.length) {
    const d = json[j]!;
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
    j++;
  }
  return j;
}

/** Index just past the closing quote of the string starting at `i`. */
function skipString(json: Buffer, i: number): number {
  let j = i + 1;
  while (j < json.length) {
    const c = json[j]!;
    if (c === BACKSLASH) j += 2;
    else if (c === QUOTE) return j + 1;
    else j++;
  }
  return j;
}

function skipSpace(json: Buffer, i: number): number {
  let j = i;
  while (j < json.length && isSpace(json[j]!)) j++;
  return j;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Checks in one pass, without parsing, that `json` is exactly one JSON object (whitespace around it
 * allowed), and finds on the way the spans of the values of the top-level `keys`: `spans[i]` for
 * `keys[i]`, undefined when absent, the last one when a key repeats (as JSON.parse takes it).
 * Returns false, leaving `spans` unspecified, when the bytes are anything else: not JSON (HTML, plain
 * text, JSON cut off), or JSON that is not an object. The grammar is checked in full (string escapes
 * and control characters, numbers, literals, commas and colons, matching brackets), so exactly what
 * JSON.parse accepts as an object is accepted. Nesting is tracked on a stack of its own, so no depth
 * is too deep. A key is compared by its bytes as written: one spelled with escapes is not found.
 */
export function scanTopLevelObject(
  json: Buffer,
  keys: readonly Buffer[],
  spans: (Span | undefined)[],
): boolean {
  for (let k = 0; k < keys.length; k++) spans[k] = undefined;
  const length = json.length;
  let i = skipSpace(json, 0);
  if (json[i] !== OPEN_OBJECT) return false;
  let depth = 0;
  let expect = FIRST_KEY;
  /** The key of the top-level value being read, or -1 when it is not one of `keys`. */
  let pending = -1;
  let valueStart = 0;
  i++;
  depth = push(depth, IN_OBJECT);
  for (;;) {
    i = skipSpace(json, i);
    if (i >= length) return false;
    const c = json[i]!;
    if (expect === AFTER_VALUE) {
      const inside = kinds[depth - 1];
      if (c === COMMA) {
        i++;
        expect = inside === IN_OBJECT ? KEY : VALUE;
        continue;
      }
      if (c !== (inside === IN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) return false;
      i++;
      depth--;
      if (depth === 0) return skipSpace(json, i) === length;
      if (depth === 1 && pending !== -1) {
        spans[pending] = { start: valueStart, end: i };
        pending = -1;
      }
      continue;
    }
    if (expect === COLON_NEXT) {
      if (c !== COLON) return false;
      i++;
      expect = VALUE;
      continue;
    }
    if (expect === KEY || expect === FIRST_KEY) {
      if (c === CLOSE_OBJECT && expect === FIRST_KEY) {
        expect = AFTER_VALUE;
        continue;
      }
      if (c !== QUOTE) return false;
      const end = scanString(json, i);
      if (end === -1) return false;
      if (depth === 1) pending = keyIndex(json, i, end, keys);
      i = end;
      expect = COLON_NEXT;
      continue;
    }
    // A value (expect is VALUE or FIRST_VALUE).
    if (c === CLOSE_ARRAY && expect === FIRST_VALUE) {
      expect = AFTER_VALUE;
      continue;
    }
    if (depth === 1) valueStart = i;
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth = push(depth, c === OPEN_OBJECT ? IN_OBJECT : IN_ARRAY);
      i++;
      expect = c === OPEN_OBJECT ? FIRST_KEY : FIRST_VALUE;
      continue;
    }
    const end = c === QUOTE ? scanString(json, i) : scanScalar(json, i);
    if (end === -1) return false;
    i = end;
    expect = AFTER_VALUE;
    if (depth === 1 && pending !== -1) {
      spans[pending] = { start: valueStart, end };
      pending = -1;
    }
  }
}

/** A key for scanTopLevelObject: the quoted bytes it is written as. */
export function topLevelKey(key: string): Buffer {
  return Buffer.from(JSON.stringify(key));
}

// What scanTopLevelObject expects next.
const VALUE = 0;
const FIRST_VALUE = 1; // a value or "]" right after "["
const KEY = 2;
const FIRST_KEY = 3; // a key or "}" right after "{"
const COLON_NEXT = 4;
const AFTER_VALUE = 5; // "," or the closing bracket of the container

const IN_OBJECT = 0;
const IN_ARRAY = 1;

/** The kind of each open container, reused across calls (the scan is synchronous) and grown on demand. */
let kinds = new Uint8Array(64);

function push(depth: number, kind: number): number {
  if (depth === kinds.length) {
    const grown = new Uint8Array(kinds.length * 2);
    grown.set(kinds);
    kinds = grown;
  }
  kinds[depth] = kind;
  return depth + 1;
}

function keyIndex(json: Buffer, start: number, end: number, keys: readonly Buffer[]): number {
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (end - start === key.length && json.compare(key, 0, key.length, start, end) === 0) return k;
  }
  return -1;
}

/** 1 for the bytes a JSON string holds as they are: all but control characters, `"` and `\`. */
const PLAIN_STRING_BYTE = new Uint8Array(256).map((_, c) =>
  c >= 0x20 && c !== QUOTE && c !== BACKSLASH ? 1 : 0,
);

/** Index just past the valid JSON string starting (at its quote) at `i`, or -1. */
function scanString(json: Buffer, i: number): number {
  const length = json.length;
  let j = i + 1;
  while (j < length) {
    // The tight loop over ordinary bytes is most of the scan's time.
    while (j < length && PLAIN_STRING_BYTE[json[j]!] === 1) j++;
    if (j >= length) return -1;
    const c = json[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1;
    const e = json[j + 1];
    if (e === 0x75 /* u */) {
      for (let h = j + 2; h < j + 6; h++) if (!isHex(json[h])) return -1;
      j += 6;
    } else if (
      e === QUOTE ||
      e === BACKSLASH ||
      e === 0x2f /* / */ ||
      e === 0x62 /* b */ ||
      e === 0x66 /* f */ ||
      e === 0x6e /* n */ ||
      e === 0x72 /* r */ ||
      e === 0x74 /* t */
    ) {
      j += 2;
    } else {
      return -1;
    }
  }
  return -1;
}

function isHex(c: number | undefined): boolean {
  return (
    c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
  );
}

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");
const NULL = Buffer.from("null");

/** Index just past the number or literal (true, false, null) starting at `i`, or -1. */
function scanScalar(json: Buffer, i: number): number {
  const c = json[i]!;
  if (c === 0x74) return literal(json, i, TRUE);
  if (c === 0x66) return literal(json, i, FALSE);
  if (c === 0x6e) return literal(json, i, NULL);
  let j = i;
  if (json[j] === 0x2d /* - */) j++;
  if (json[j] === 0x30 /* 0 */) {
    j++;
  } else {
    const digits = skipDigits(json, j);
    if (digits === j) return -1;
    j = digits;
  }
  if (json[j] === 0x2e /* . */) {
    const digits = skipDigits(json, j + 1);
    if (digits === j + 1) return -1;
    j = digits;
  }
  if (json[j] === 0x65 /* e */ || json[j] === 0x45 /* E */) {
    j++;
    if (json[j] === 0x2b /* + */ || json[j] === 0x2d /* - */) j++;
    const digits = skipDigits(json, j);
    if (digits === j) return -1;
    j = digits;
  }
  return j;
}

function skipDigits(json: Buffer, i: number): number {
  let j = i;
  while (j < json.length && json[j]! >= 0x30 && json[j]! <= 0x39) j++;
  return j;
}

function literal(json: Buffer, i: number, word: Buffer): number {
  const end = i + word.length;
  return end <= json.length && json.compare(word, 0, word.length, i, end) === 0 ? end : -1;
}

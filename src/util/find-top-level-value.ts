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

/**
 * Finds the string value of a top-level key in a JSON object without parsing it, so a gateway can
 * rewrite one field (e.g. `model`) and forward every other byte as the client sent it.
 * Returns the byte span of the value including its quotes, or undefined when the key is absent or
 * its value is not a string. The input must be valid JSON (the caller has parsed it already).
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

export function findTopLevelString(json: Buffer, key: string): { start: number; end: number } | undefined {
  const target = Buffer.from(JSON.stringify(key));
  let depth = 0;
  let i = 0;
  // At depth 1, a string directly after "{" or "," is a key; remember where the last one started.
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
          j++;
          while (j < json.length && isSpace(json[j]!)) j++;
          if (json[j] !== QUOTE) return undefined;
          return { start: j, end: skipString(json, j) };
        }
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      expectKey = depth === 1 && c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return undefined;
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

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

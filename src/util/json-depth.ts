/**
 * Whether JSON text nests arrays and objects more than `limit` levels deep, told without parsing it:
 * `[` and `{` outside strings count one level up, `]` and `}` one down, and the scan stops as soon as
 * the depth passes the limit, so a hostile body costs no more than `limit` brackets past its start.
 * The text is taken to be JSON (the caller parsed it or is about to); for anything else the answer
 * is about its brackets only (and text too short to hold limit + 1 bracket pairs is not scanned).
 *
 * JSON.parse builds values of any depth, but whatever walks them recursively afterwards
 * (JSON.stringify, the translators' converters) overflows the stack somewhere past 4,000 levels;
 * checking the depth first lets a caller refuse such text instead of crashing on it.
 *
 * The cost is one pass over the structure: a short string is stepped over byte by byte, a long one
 * (base64 images and documents) with indexOf, which is a memchr rather than a loop in JavaScript.
 * Text (a stream event) with no more opening brackets than the limit is answered from indexOf alone.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Bytes of a string stepped over one by one before the rest is searched with indexOf. */
const SHORT_STRING = 32;

// Buffer's indexOf is a native memchr (and works on any Uint8Array); the TypedArray one is a loop.
const indexOfByte = Buffer.prototype.indexOf;

export function exceedsJsonDepth(json: Uint8Array | string, limit: number): boolean {
  // JSON nested deeper than `limit` has at least limit + 1 opening and as many closing brackets, so
  // shorter text cannot be: most stream events and small bodies are answered without a scan.
  if (json.length < 2 * (limit + 1)) return false;
  return typeof json === "string" ? textExceeds(json, limit) : bytesExceed(json, limit);
}

function bytesExceed(json: Uint8Array, limit: number): boolean {
  const length = json.length;
  let depth = 0;
  let i = 0;
  while (i < length) {
    const c = json[i]!;
    if (c === QUOTE) {
      i = skipBytesString(json, i + 1);
    } else {
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++depth > limit) return true;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
      }
      i++;
    }
  }
  return false;
}

/** Index just past the quote that closes the string whose contents start at `i` (the length if none does). */
function skipBytesString(json: Uint8Array, i: number): number {
  const length = json.length;
  const shortEnd = Math.min(length, i + SHORT_STRING);
  let j = i;
  while (j < shortEnd) {
    const c = json[j]!;
    if (c === QUOTE) return j + 1;
    j += c === BACKSLASH ? 2 : 1;
  }
  while (j < length) {
    const quote = indexOfByte.call(json, QUOTE, j);
    if (quote === -1) return length;
    if (!escaped(json, quote, j)) return quote + 1;
    j = quote + 1;
  }
  return length;
}

/** Whether the quote at `quote` is escaped: an odd run of backslashes before it, counted back to `from`. */
function escaped(json: Uint8Array, quote: number, from: number): boolean {
  let k = quote - 1;
  while (k >= from && json[k] === BACKSLASH) k--;
  return (quote - 1 - k) % 2 === 1;
}

function textExceeds(json: string, limit: number): boolean {
  // Depth never exceeds the number of opening brackets, which indexOf counts far faster than a loop
  // over every character (a stream event holds a handful): only text with more is scanned.
  if (countOpenings(json, limit) <= limit) return false;
  const length = json.length;
  let depth = 0;
  let i = 0;
  while (i < length) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      i = skipTextString(json, i + 1);
    } else {
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++depth > limit) return true;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
      }
      i++;
    }
  }
  return false;
}

/** How many `[` and `{` the text holds, counting no further than limit + 1. */
function countOpenings(json: string, limit: number): number {
  let n = 0;
  for (let i = json.indexOf("["); i !== -1; i = json.indexOf("[", i + 1)) if (++n > limit) return n;
  for (let i = json.indexOf("{"); i !== -1; i = json.indexOf("{", i + 1)) if (++n > limit) return n;
  return n;
}

function skipTextString(json: string, i: number): number {
  const length = json.length;
  const shortEnd = Math.min(length, i + SHORT_STRING);
  let j = i;
  while (j < shortEnd) {
    const c = json.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    j += c === BACKSLASH ? 2 : 1;
  }
  while (j < length) {
    const quote = json.indexOf('"', j);
    if (quote === -1) return length;
    let k = quote - 1;
    while (k >= j && json.charCodeAt(k) === BACKSLASH) k--;
    if ((quote - 1 - k) % 2 === 0) return quote + 1;
    j = quote + 1;
  }
  return length;
}

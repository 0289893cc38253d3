import * as assert from "node:assert/strict";
import { test } from "node:test";
import { uuidV7 } from "../../src/util/uuid-v7.js";

const timeOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);

test("a UUIDv7: version 7, variant 10, the 48-bit millisecond timestamp first", () => {
  for (const ms of [0, 1, Date.UTC(2026, 11, 2, 10, 37, 12, 345), 2 ** 32, 2 ** 48 - 1]) {
    const id = uuidV7(ms);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, id);
    assert.equal(timeOf(id), ms);
  }
});

test("ids of one millisecond differ; ids of later milliseconds sort after", () => {
  const ms = Date.now();
  const ids = Array.from({ length: 10_000 }, () => uuidV7(ms));
  assert.equal(new Set(ids).size, ids.length);
  const later = uuidV7(ms + 1);
  assert.ok(ids.every((id) => id < later));
});

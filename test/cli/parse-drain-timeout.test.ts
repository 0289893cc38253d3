import * as assert from "node:assert/strict";
import { test } from "node:test";
import { parseDrainTimeout } from "../../src/cli/parse-drain-timeout.js";

test("--drain-timeout: durations and plain seconds in milliseconds, anything else undefined", () => {
  assert.equal(parseDrainTimeout("15s"), 15_000);
  assert.equal(parseDrainTimeout("500ms"), 500);
  assert.equal(parseDrainTimeout("1m30s"), 90_000);
  assert.equal(parseDrainTimeout("15"), 15_000);
  assert.equal(parseDrainTimeout("2.5"), 2500);
  assert.equal(parseDrainTimeout("0"), 0);
  assert.equal(parseDrainTimeout(" 3s "), 3000);
  for (const bad of ["", "soon", "-1", "15 s", "1.5.2", "s"])
    assert.equal(parseDrainTimeout(bad), undefined, bad);
});

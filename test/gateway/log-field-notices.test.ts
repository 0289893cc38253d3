import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logFieldNoticesOnce } from "../../src/gateway/log-field-notices.js";

describe("logFieldNoticesOnce", () => {
  it("logs a (schema, field, action) once per process, and another schema or action again", () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const dropped = { field: "test-only-field", action: "dropped" as const, detail: "not accepted" };
    logFieldNoticesOnce(log, "AWSAnthropic", [dropped]);
    logFieldNoticesOnce(log, "AWSAnthropic", [dropped, dropped]);
    assert.deepEqual(lines, [
      "aigw: warning: AWSAnthropic backend: dropped test-only-field: not accepted (logged once per process)",
    ]);
    logFieldNoticesOnce(log, "GCPAnthropic", [dropped]);
    logFieldNoticesOnce(log, "AWSAnthropic", [{ ...dropped, action: "mapped" }]);
    assert.equal(lines.length, 3);
  });
});

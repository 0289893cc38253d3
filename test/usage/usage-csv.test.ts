import * as assert from "node:assert/strict";
import { test } from "node:test";
import { usageCsv } from "../../src/usage/usage-csv.js";
import type { UsageTotals } from "../../src/usage/usage-totals.js";

function totals(keys: UsageTotals["keys"], costs: Record<string, number> = {}): UsageTotals {
  return {
    keys,
    requests: 2,
    input_tokens: 10,
    cached_input_tokens: 1,
    cache_creation_input_tokens: 0,
    output_tokens: 5,
    reasoning_tokens: 0,
    total_tokens: 15,
    costs,
  };
}

test("header row, CRLF line ends, one cost.<key> column per key any row has (0 where a row has none)", () => {
  const csv = usageCsv(
    ["consumer", "status"],
    [totals({ consumer: "a", status: 200 }, { b: 1.5 }), totals({ consumer: null, status: 500 }, { a: 2 })],
  );
  assert.equal(
    csv,
    "consumer,status,requests,input_tokens,cached_input_tokens,cache_creation_input_tokens,output_tokens,reasoning_tokens,total_tokens,cost.a,cost.b\r\n" +
      "a,200,2,10,1,0,5,0,15,0,1.5\r\n" +
      ",500,2,10,1,0,5,0,15,2,0\r\n",
  );
});

test("fields with commas, quotes, line breaks or edge spaces are quoted, quotes doubled", () => {
  const csv = usageCsv(
    ["tenant"],
    [totals({ tenant: 'a,"b"' }), totals({ tenant: "x\ny" }), totals({ tenant: " pad" })],
  );
  const lines = csv.split("\r\n");
  assert.ok(lines[1]!.startsWith('"a,""b""",'));
  assert.ok(csv.includes('\r\n"x\ny",'));
  assert.ok(csv.includes('\r\n" pad",'));
});

test("text a spreadsheet would run as a formula is prefixed with a quote", () => {
  const csv = usageCsv(
    ["tenant"],
    [totals({ tenant: '=HYPERLINK("http://x")' }), totals({ tenant: "@cmd" }), totals({ tenant: "-1+1" })],
  );
  assert.ok(csv.includes('\r\n"\'=HYPERLINK(""http://x"")",'));
  assert.ok(csv.includes("\r\n'@cmd,"));
  assert.ok(csv.includes("\r\n'-1+1,"));
});

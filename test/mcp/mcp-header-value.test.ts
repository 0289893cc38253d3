import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeHeaderValue, encodeHeaderValue } from "../../src/mcp/mcp-header-value.js";

describe("Mcp-Name header values", () => {
  it("keeps safe visible ASCII plain and encodes the rest", () => {
    assert.equal(encodeHeaderValue("a__echo"), "a__echo");
    assert.equal(encodeHeaderValue("test://x/y z"), "test://x/y z");
    assert.equal(encodeHeaderValue("café"), `=?base64?${Buffer.from("café").toString("base64")}?=`);
    assert.match(encodeHeaderValue(" lead"), /^=\?base64\?/);
    assert.match(encodeHeaderValue("=?base64?looks-encoded"), /^=\?base64\?/, "a look-alike is encoded");
  });

  it("decodes what it encodes, passes plain values, and refuses broken base64", () => {
    for (const value of ["café", "a__echo", "=?base64?x", "名前"]) {
      assert.equal(decodeHeaderValue(encodeHeaderValue(value)), value);
    }
    assert.equal(decodeHeaderValue("plain"), "plain");
    assert.equal(decodeHeaderValue("=?base64?not base64!?="), undefined);
  });
});

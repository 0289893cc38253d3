import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileToolSelector } from "../../src/mcp/compile-tool-selector.js";
import { prefixName, prefixUri, splitName, splitUri } from "../../src/mcp/mcp-names.js";
import { CAPABILITY } from "../../src/mcp/mcp-session.js";
import { capabilityBits, mergeCapabilities } from "../../src/mcp/merge-capabilities.js";
import { decodeServerRequestId, encodeServerRequestId } from "../../src/mcp/server-request-ids.js";

describe("MCP names", () => {
  it("splits a prefixed name at the first separator, keeping the rest whole", () => {
    assert.deepEqual(splitName("a__echo"), { backend: "a", name: "echo" });
    assert.deepEqual(splitName("github__list__repos"), { backend: "github", name: "list__repos" });
    assert.deepEqual(splitName(prefixName("b", "_x_")), { backend: "b", name: "_x_" });
    for (const bad of ["echo", "__echo", "a__", ""]) assert.equal(splitName(bad), undefined, bad);
  });

  it("splits a prefixed URI at the first +", () => {
    assert.deepEqual(splitUri(prefixUri("a", "file:///x+y")), { backend: "a", name: "file:///x+y" });
    assert.equal(splitUri("file:///x"), undefined);
  });

  it("encodes the backend into server-to-client request ids and restores the original", () => {
    for (const id of [0, 7, -3, 2 ** 40, "abc", "a__b__c", "", "ü 😀", "__i__x"]) {
      const encoded = encodeServerRequestId("be", id);
      assert.equal(typeof encoded, "string");
      assert.deepEqual(decodeServerRequestId(encoded), { backend: "be", id }, String(id));
    }
    for (const bad of [5, "plain", "1__x__a", "1.5__i__a", "__i__", "x__i__a"]) {
      assert.equal(decodeServerRequestId(bad), undefined, String(bad));
    }
  });
});

describe("tool selectors", () => {
  it("allows everything without a selector", () => {
    assert.equal(compileToolSelector(undefined)("anything"), true);
  });

  it("includes by name or by unanchored regex", () => {
    const byName = compileToolSelector({ include: ["echo"] });
    assert.deepEqual(["echo", "echo2", "xecho"].map(byName), [true, false, false]);
    const byRegex = compileToolSelector({ includeRegex: ["ch", "^who$"] });
    assert.deepEqual(["echo", "chat", "whoami", "who", "ask"].map(byRegex), [true, true, false, true, false]);
  });

  it("lets an exclude win over an include", () => {
    const selector = compileToolSelector({ includeRegex: [".*"], exclude: ["delete"] });
    assert.deepEqual(["read", "delete"].map(selector), [true, false]);
    const regex = compileToolSelector({ include: ["drop_table", "read"], excludeRegex: ["drop"] });
    assert.deepEqual(["read", "drop_table"].map(regex), [true, false]);
  });
});

describe("capability merge", () => {
  it("offers what any backend offers, listChanged and subscribe OR-ed, the first wins elsewhere", () => {
    const merged = mergeCapabilities([
      { tools: { listChanged: false }, resources: { subscribe: false }, experimental: { x: 1 } },
      { tools: { listChanged: true }, resources: { listChanged: false, subscribe: true }, logging: {} },
      { prompts: {}, experimental: { x: 2, y: 3 } },
    ]);
    assert.deepEqual(merged, {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: false },
      experimental: { x: 1, y: 3 },
      logging: {},
      prompts: {},
    });
  });

  it("remembers which features a backend has as bits", () => {
    assert.equal(
      capabilityBits({ tools: {}, logging: {}, sampling: {} }),
      CAPABILITY.tools | CAPABILITY.logging,
    );
    assert.equal(capabilityBits({ tools: true }), 0);
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseClientHeaders } from "../../src/auth/client-headers-annotation.js";

test("the annotation maps client ids to headers, in YAML or JSON; names are lower-cased, scalars become strings", () => {
  const yaml = parseClientHeaders("alice: {X-Tenant-ID: acme, x-tier: gold}\nbob:\n  x-tier: 3\n");
  assert.deepEqual(yaml.get("alice"), [
    ["x-tenant-id", "acme"],
    ["x-tier", "gold"],
  ]);
  assert.deepEqual(yaml.get("bob"), [["x-tier", "3"]]);
  const json = parseClientHeaders('{"carol": {"x-department": "research"}}');
  assert.deepEqual(json.get("carol"), [["x-department", "research"]]);
  assert.equal(parseClientHeaders("").size, 0);
});

test("the annotation refuses what cannot be a produced header, naming the client and header", () => {
  const refused = (text: string, pattern: RegExp) => assert.throws(() => parseClientHeaders(text), pattern);
  refused("alice: [x-tier]", /client alice: expected a mapping of header to value/);
  refused("- alice", /expected a mapping of client id/);
  refused("alice: {x-ai-eg-model: gpt-4}", /header x-ai-eg-model: x-ai-eg-model is a header the gateway/);
  refused("alice: {host: evil}", /header host: host is a header the gateway/);
  refused('alice: {"bad header": x}', /not a valid HTTP header name/);
  refused("alice: {x-tier: {nested: 1}}", /the value must be a string/);
  refused('alice: {x-tier: "gold\\nx-evil: 1"}', /visible ASCII/);
  refused("alice: {x-tier: [unclosed", /not YAML or JSON/);
});

import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  MAX_ATTRIBUTE_VALUE_LENGTH,
  parseRequestHeaderAttributes,
  readHeaderAttributes,
} from "../../src/gateway/request-header-attributes.js";

test("the mapping is header:attribute pairs; header names are lower-cased, blanks and empty pairs skipped", () => {
  assert.deepEqual(parseRequestHeaderAttributes(" X-Tenant-Id:tenant.id , x-department:department,"), [
    { header: "x-tenant-id", attribute: "tenant.id" },
    { header: "x-department", attribute: "department" },
  ]);
  assert.deepEqual(parseRequestHeaderAttributes(""), []);
});

test("a pair without a colon, an empty side or a bad header name is refused, naming the pair", () => {
  for (const bad of ["x-tenant-id", ":tenant", "x-tenant:", "x tenant:tenant", "x-tenant:9lives"]) {
    assert.throws(
      () => parseRequestHeaderAttributes(`x-ok:ok,${bad}`),
      (err: Error) => err.message.includes(`"${bad}"`),
    );
  }
});

test("an attribute named twice, or named like a built-in record field, is refused", () => {
  assert.throws(() => parseRequestHeaderAttributes("x-a:team,x-b:team"), /team is named twice/);
  assert.throws(() => parseRequestHeaderAttributes("x-route:route"), /route is a built-in field/);
  assert.throws(() => parseRequestHeaderAttributes("x-m:model"), /model is a built-in field/);
});

test("a request's attributes: present headers only, repeated ones joined, long values cut", () => {
  const mapping = parseRequestHeaderAttributes("x-tenant-id:tenant.id,x-team:team,x-missing:missing");
  const long = "t".repeat(MAX_ATTRIBUTE_VALUE_LENGTH + 50);
  assert.deepEqual(readHeaderAttributes({ "x-tenant-id": long, "x-team": ["a", "b"] }, mapping), {
    "tenant.id": "t".repeat(MAX_ATTRIBUTE_VALUE_LENGTH),
    team: "a, b",
  });
  assert.deepEqual(readHeaderAttributes({}, mapping), {});
});

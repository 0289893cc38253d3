import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bucketName,
  clientAddressOf,
  compileClientSelectors,
  type SelectorInput,
  selectsCredential,
} from "../../src/limits/client-selector.js";

function input(headers: Record<string, string>, clientAddress = "10.1.2.3", model = "gpt-4o"): SelectorInput {
  return { headers, clientAddress, model };
}

test("no selectors select every request, with no distinct value", () => {
  assert.equal(compileClientSelectors(undefined)(input({})), "");
  assert.equal(compileClientSelectors([])(input({ "x-a": "1" })), "");
});

test("Exact and RegularExpression (whole value), invert, and all conditions must hold", () => {
  const select = compileClientSelectors([
    {
      headers: [
        { name: "X-Tier", value: "free" },
        { name: "x-team", type: "RegularExpression", value: "eng-[a-z]+" },
        { name: "x-env", value: "prod", invert: true },
      ],
    },
  ]);
  assert.equal(select(input({ "x-tier": "free", "x-team": "eng-ml", "x-env": "dev" })), "");
  assert.equal(
    select(input({ "x-tier": "free", "x-team": "eng-ml" })),
    "",
    "invert selects a missing header",
  );
  assert.equal(select(input({ "x-tier": "pro", "x-team": "eng-ml" })), undefined);
  assert.equal(
    select(input({ "x-tier": "free", "x-team": "eng-ml-2" })),
    undefined,
    "the whole value must match",
  );
  assert.equal(select(input({ "x-tier": "free", "x-team": "eng-ml", "x-env": "prod" })), undefined);
});

test("Distinct: each value its own bucket; a missing header means the rule does not apply", () => {
  const select = compileClientSelectors([
    { headers: [{ name: "x-tenant", type: "Distinct" }] },
    { headers: [{ name: "x-user", type: "Distinct" }] },
  ]);
  assert.equal(select(input({ "x-tenant": "acme", "x-user": "u1" })), "acme|u1");
  assert.equal(select(input({ "x-tenant": "acme" })), undefined);
  assert.equal(
    select(input({ "x-tenant": "a:b|c", "x-user": "u" })),
    "a%3Ab%7Cc|u",
    "key separators are escaped",
  );
});

test("x-ai-eg-model is the body's model, whatever header the client sent", () => {
  const select = compileClientSelectors([{ headers: [{ name: "x-ai-eg-model", value: "gpt-4o" }] }]);
  assert.equal(select(input({ "x-ai-eg-model": "other" }, "10.0.0.1", "gpt-4o")), "");
  assert.equal(select(input({ "x-ai-eg-model": "gpt-4o" }, "10.0.0.1", "other")), undefined);
});

test("sourceCIDR: Exact selects addresses in the range, Distinct counts each address apart", () => {
  const exact = compileClientSelectors([{ sourceCIDR: { value: "10.1.0.0/16" } }]);
  assert.equal(exact(input({}, "10.1.200.7")), "");
  assert.equal(exact(input({}, "10.2.0.1")), undefined);
  const distinct = compileClientSelectors([{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }]);
  assert.equal(distinct(input({}, "192.0.2.9")), "192.0.2.9");
  const v6 = compileClientSelectors([{ sourceCIDR: { value: "2001:db8::/32" } }]);
  assert.equal(v6(input({}, "2001:db8::1")), "");
  assert.equal(v6(input({}, "10.1.2.3")), undefined);
});

test("clientAddressOf gives IPv4-mapped IPv6 addresses as IPv4", () => {
  assert.equal(clientAddressOf("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(clientAddressOf("::1"), "::1");
  assert.equal(clientAddressOf(undefined), undefined);
});

test("selectsCredential: a Distinct selector on a header that may hold a credential; bucketName hashes those", () => {
  const distinct = (name: string) => [{ headers: [{ name, type: "Distinct" as const }] }];
  for (const name of [
    "Authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
    "x-session-token",
  ]) {
    assert.equal(selectsCredential(distinct(name)), true, name);
  }
  assert.equal(selectsCredential(distinct("x-tenant-id")), false);
  assert.equal(selectsCredential(undefined), false);
  assert.equal(
    selectsCredential([{ headers: [{ name: "authorization", value: "Bearer a" }] }]),
    false,
    "an Exact match adds nothing to a bucket's name",
  );
  assert.equal(bucketName("acme", false), "acme");
  assert.equal(bucketName("acme|Bearer%20sk", true), bucketName("acme|Bearer%20sk", true));
  assert.match(bucketName("acme|Bearer%20sk", true), /^sha256:[0-9a-f]{16}$/);
  assert.notEqual(bucketName("acme|Bearer%20sk", true), bucketName("acme|Bearer%20sl", true));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { compileHostMatcher } from "../../src/config/compile-host-matcher.js";

test("no hostnames: every request matches, with or without a Host", () => {
  const matches = compileHostMatcher(undefined);
  assert.equal(matches("a.example.com"), true);
  assert.equal(matches(undefined), true);
  assert.equal(compileHostMatcher([])("x"), true);
});

test("exact hostnames match case-insensitively as configured, and only themselves", () => {
  const matches = compileHostMatcher(["API.example.com"]);
  assert.equal(matches("api.example.com"), true);
  assert.equal(matches("www.api.example.com"), false);
  assert.equal(matches(undefined), false);
});

test("a leading *. matches one or more labels, never the bare domain", () => {
  const matches = compileHostMatcher(["*.example.com"]);
  assert.equal(matches("a.example.com"), true);
  assert.equal(matches("a.b.example.com"), true);
  assert.equal(matches("example.com"), false);
  assert.equal(matches(".example.com"), false);
  assert.equal(matches("badexample.com"), false);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { SignerCache } from "../../../src/credentials/aws/signer-cache.js";

const KEYS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

test("one signer per identity, region and service, found by value", () => {
  const cache = new SignerCache();
  const signer = cache.get(KEYS, "us-east-1", "bedrock");
  assert.equal(cache.get({ ...KEYS }, "us-east-1", "bedrock"), signer, "equal credentials share a signer");
  assert.notEqual(cache.get(KEYS, "us-west-2", "bedrock"), signer);
  assert.notEqual(cache.get({ ...KEYS, sessionToken: "t" }, "us-east-1", "bedrock"), signer);
  assert.notEqual(cache.get({ ...KEYS, secretAccessKey: "other" }, "us-east-1", "bedrock"), signer);
});

test("a credentials object seen before finds its signer again, unless its values or the target changed", () => {
  const cache = new SignerCache();
  const credentials = { ...KEYS };
  const signer = cache.get(credentials, "us-east-1", "bedrock");
  assert.equal(cache.get(credentials, "us-east-1", "bedrock"), signer);
  assert.notEqual(cache.get(credentials, "eu-west-1", "bedrock"), signer, "another region");
  assert.equal(cache.get(credentials, "us-east-1", "bedrock"), signer, "and back");
  credentials.secretAccessKey = "rotated";
  const rotated = cache.get(credentials, "us-east-1", "bedrock");
  assert.notEqual(rotated, signer, "the same object with other values");
  assert.ok(rotated.signs({ ...KEYS, secretAccessKey: "rotated" }, "us-east-1", "bedrock"));
});

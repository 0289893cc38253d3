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

import * as assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { test } from "node:test";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../../../src/credentials/aws/node-sha256.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

async function digestOf(secret: string | Uint8Array | undefined, ...parts: (string | Uint8Array)[]) {
  const checksum = new NodeSha256(secret);
  for (const part of parts) checksum.update(part);
  return hex(await checksum.digest());
}

test("plain digests are SHA-256 of everything updated, in order, whatever the input type", async () => {
  const expected = createHash("sha256").update("hello, world").digest("hex");
  assert.equal(await digestOf(undefined, "hello, world"), expected);
  assert.equal(await digestOf(undefined, "hello, ", new TextEncoder().encode("world")), expected);
  // A view into a larger buffer: only its own bytes count.
  const backing = Buffer.from("xxhello, worldyy");
  assert.equal(await digestOf(undefined, backing.subarray(2, 14)), expected);
  assert.equal(await digestOf(undefined, ""), createHash("sha256").update("").digest("hex"));
});

test("keyed digests are HMAC-SHA256, for string and byte keys", async () => {
  const key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  assert.equal(
    await digestOf(key, "AKID", "EXAMPLE"),
    createHmac("sha256", key).update("AKIDEXAMPLE").digest("hex"),
  );
  const byteKey = createHash("sha256").update("derived").digest();
  assert.equal(
    await digestOf(new Uint8Array(byteKey), "string to sign"),
    createHmac("sha256", byteKey).update("string to sign").digest("hex"),
  );
});

test("reset forgets what was updated", async () => {
  const checksum = new NodeSha256();
  checksum.update("discarded");
  checksum.reset();
  checksum.update("kept");
  assert.equal(hex(await checksum.digest()), createHash("sha256").update("kept").digest("hex"));
});

test("@smithy/signature-v4 signs the same with it as with @smithy/hash-node", async () => {
  const credentials = {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  };
  const request = () => ({
    method: "POST",
    protocol: "https:",
    hostname: "bedrock-runtime.us-east-1.amazonaws.com",
    path: "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
    query: {},
    headers: { host: "bedrock-runtime.us-east-1.amazonaws.com", "content-type": "application/json" },
    body: '{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}',
  });
  const sign = (sha256: ConstructorParameters<typeof SignatureV4>[0]["sha256"], day: string) =>
    new SignatureV4({
      service: "bedrock",
      region: "us-east-1",
      credentials,
      sha256,
      uriEscapePath: true,
    }).sign(request(), { signingDate: new Date(`${day}T10:00:00Z`) });
  for (const day of ["2026-11-22", "2026-11-23"]) {
    const ours = await sign(NodeSha256, day);
    const reference = await sign(Hash.bind(null, "sha256"), day);
    assert.equal(ours.headers.authorization, reference.headers.authorization);
    assert.match(String(ours.headers.authorization), new RegExp(`/${day.replaceAll("-", "")}/us-east-1/`));
  }
});

import * as assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { test } from "node:test";
import { signAwsRequest } from "../../../src/credentials/aws/sign-aws-request.js";
import type { OutgoingRequest } from "../../../src/credentials/credential-injector.js";

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const DATE = new Date("2026-11-22T03:50:00Z");
const BODY = '{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}';

function outgoing(path: string, extra: Record<string, string> = {}): OutgoingRequest {
  return {
    method: "POST",
    path,
    authority: "bedrock-runtime.us-east-1.amazonaws.com",
    headers: {
      host: "bedrock-runtime.us-east-1.amazonaws.com",
      "content-type": "application/json",
      "user-agent": "OpenAI/JS 7.57.0",
      "x-stainless-retry-count": "0",
      ...extra,
    },
    body: BODY,
    clientHeaders: {},
  };
}

/** SigV4 computed step by step from the AWS documentation, independently of the signer under test. */
function referenceSignature(
  canonicalPath: string,
  sessionToken?: string,
  amzDate = "20261122T035000Z",
): { signedHeaders: string; signature: string } {
  const day = amzDate.slice(0, 8);
  const hash = (data: string) => createHash("sha256").update(data).digest("hex");
  const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
  const headers: [string, string][] = [
    ["content-type", "application/json"],
    ["host", "bedrock-runtime.us-east-1.amazonaws.com"],
    ["x-amz-content-sha256", hash(BODY)],
    ["x-amz-date", amzDate],
  ];
  if (sessionToken !== undefined) headers.push(["x-amz-security-token", sessionToken]);
  const signedHeaders = headers.map(([name]) => name).join(";");
  const canonicalRequest = [
    "POST",
    canonicalPath,
    "",
    ...headers.map(([name, value]) => `${name}:${value}`),
    "",
    signedHeaders,
    hash(BODY),
  ].join("\n");
  const scope = `${day}/us-east-1/bedrock/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day);
  for (const part of ["us-east-1", "bedrock", "aws4_request"]) key = hmac(key, part);
  return { signedHeaders, signature: createHmac("sha256", key).update(stringToSign).digest("hex") };
}

test("the canonical path escapes the sent path once more: %3A is signed as %253A", () => {
  const req = outgoing("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  signAwsRequest(req, CREDENTIALS, "us-east-1", "bedrock", DATE);
  const expected = referenceSignature("/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse");
  assert.equal(
    req.headers.authorization,
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/bedrock/aws4_request, SignedHeaders=${expected.signedHeaders}, Signature=${expected.signature}`,
  );
  assert.equal(req.headers["x-amz-date"], "20261122T035000Z");
  assert.equal(req.headers["x-amz-content-sha256"], createHash("sha256").update(BODY).digest("hex"));
  // Unsigned client headers are left as they are; the path and body are untouched.
  assert.equal(req.headers["user-agent"], "OpenAI/JS 7.57.0");
  assert.equal(req.path, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  assert.equal(req.body, BODY);
});

test("a session token is sent and signed; a client's own x-amz-* headers are dropped", () => {
  const req = outgoing("/model/amazon.nova-pro-v1%3A0/converse", {
    "x-amz-security-token": "from-the-client",
    "x-amz-date": "19990101T000000Z",
  });
  signAwsRequest(
    req,
    { ...CREDENTIALS, sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE" },
    "us-east-1",
    "bedrock",
    DATE,
  );
  const expected = referenceSignature("/model/amazon.nova-pro-v1%253A0/converse", "IQoJb3JpZ2luX2VjEXAMPLE");
  assert.equal(req.headers["x-amz-security-token"], "IQoJb3JpZ2luX2VjEXAMPLE");
  assert.equal(req.headers["x-amz-date"], "20261122T035000Z");
  assert.match(
    String(req.headers.authorization),
    new RegExp(`SignedHeaders=${expected.signedHeaders}, Signature=${expected.signature}$`),
  );
});

test("signers are reused across requests, and a reused signer signs a new day with that day's key", () => {
  const path = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse";
  const canonical = "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse";
  const first = outgoing(path);
  signAwsRequest(first, CREDENTIALS, "us-east-1", "bedrock", DATE);
  assert.match(
    first.headers.authorization ?? "",
    new RegExp(`Signature=${referenceSignature(canonical).signature}$`),
  );
  // The same identity the next day: a cached signing key of the previous day would give a wrong signature.
  const nextDay = outgoing(path);
  signAwsRequest(nextDay, { ...CREDENTIALS }, "us-east-1", "bedrock", new Date("2026-11-23T00:00:01Z"));
  const expected = referenceSignature(canonical, undefined, "20261123T000001Z");
  assert.equal(
    nextDay.headers.authorization,
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/bedrock/aws4_request, SignedHeaders=${expected.signedHeaders}, Signature=${expected.signature}`,
  );
});

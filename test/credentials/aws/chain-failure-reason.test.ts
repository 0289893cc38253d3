import * as assert from "node:assert/strict";
import { test } from "node:test";
import { chainFailureReason } from "../../../src/credentials/aws/chain-failure-reason.js";

/** An error as the SDK builds them: a name of its own and a message. */
function sdkError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

test("the chain's own wording is kept, with the name of a service error before it", () => {
  assert.equal(
    chainFailureReason(sdkError("CredentialsProviderError", "Could not load credentials from any providers")),
    "Could not load credentials from any providers",
  );
  assert.equal(
    chainFailureReason(sdkError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")),
    "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
  );
  assert.equal(chainFailureReason(sdkError("TimeoutError", "")), "TimeoutError");
  assert.equal(chainFailureReason("not an error"), "the AWS default credential chain failed");
});

test("a failed credential_process says so without its command line or output", () => {
  const reason = chainFailureReason(
    sdkError(
      "CredentialsProviderError",
      "Command failed: vault-aws --token hvs.s3cr3t\nerror: token hvs.s3cr3t expired\n",
    ),
  );
  assert.equal(reason, "the credential_process command failed");
});

test("only the first line, tokens and the environment's secrets redacted, length bounded", () => {
  const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2ln";
  assert.equal(
    chainFailureReason(sdkError("InvalidIdentityToken", `token ${jwt} is expired\nstack line`)),
    "InvalidIdentityToken: token [redacted] is expired",
  );
  const previous = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = "pod-token-value";
  try {
    assert.equal(
      chainFailureReason(new Error("Authorization pod-token-value refused")),
      "Authorization [redacted] refused",
    );
  } finally {
    if (previous === undefined) delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    else process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = previous;
  }
  const long = chainFailureReason(new Error("x".repeat(1000)));
  assert.equal(long.length, 200);
  assert.ok(long.endsWith("..."));
});

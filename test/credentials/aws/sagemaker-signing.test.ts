import * as assert from "node:assert/strict";
import { test } from "node:test";
import { createAwsCredentialInjector } from "../../../src/credentials/aws/create-aws-credential-injector.js";
import { sageMakerRegionFromHost } from "../../../src/credentials/aws/sagemaker-region-from-host.js";
import { awsSigningService } from "../../../src/credentials/aws-signing-service.js";
import type { OutgoingRequest } from "../../../src/credentials/credential-injector.js";

const ENV = {
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

function outgoing(host: string): OutgoingRequest {
  return {
    method: "POST",
    path: "/endpoints/my-endpoint/invocations",
    authority: host,
    headers: { host, "content-type": "application/json" },
    body: "{}",
    clientHeaders: {},
  };
}

/** "<region>/<service>" of the credential scope a signed request carries. */
function scopeOf(req: OutgoingRequest): string {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    req.headers.authorization ?? "",
  );
  assert.ok(match, req.headers.authorization);
  return `${match[1]}/${match[2]}`;
}

test("the schema decides the signing service: sagemaker for aigw/AWSSageMaker, bedrock otherwise", () => {
  assert.equal(awsSigningService("aigw/AWSSageMaker"), "sagemaker");
  for (const schema of ["AWSBedrock", "AWSAnthropic", "OpenAI", undefined])
    assert.equal(awsSigningService(schema), "bedrock");
});

test("a sagemaker injector signs for sagemaker, in the region its runtime host names", () => {
  const base = { region: "us-west-2", overrideEnabled: false, fallbackToConfigured: true };
  const sagemaker = createAwsCredentialInjector({ ...base, service: "sagemaker" }, ENV);
  const onHost = outgoing("runtime.sagemaker.eu-central-1.amazonaws.com");
  sagemaker.inject(onHost);
  assert.equal(scopeOf(onHost), "eu-central-1/sagemaker");
  const elsewhere = outgoing("127.0.0.1:8080");
  sagemaker.inject(elsewhere);
  assert.equal(scopeOf(elsewhere), "us-west-2/sagemaker");
  // Bedrock's injector does not read a SageMaker host's region, and signs for bedrock.
  const bedrock = createAwsCredentialInjector(base, ENV);
  const bedrockReq = outgoing("runtime.sagemaker.eu-central-1.amazonaws.com");
  bedrock.inject(bedrockReq);
  assert.equal(scopeOf(bedrockReq), "us-west-2/bedrock");
});

test("SageMaker runtime hosts name their region; look-alikes do not", () => {
  const cases: [string, string | undefined][] = [
    ["runtime.sagemaker.us-east-1.amazonaws.com", "us-east-1"],
    ["runtime.sagemaker.us-east-1.amazonaws.com:443", "us-east-1"],
    ["runtime-fips.sagemaker.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
    ["vpce-0abc123-xyz.runtime.sagemaker.ap-south-1.vpce.amazonaws.com", "ap-south-1"],
    ["runtime.sagemaker.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["RUNTIME.SAGEMAKER.EU-WEST-1.AMAZONAWS.COM", "eu-west-1"],
    ["runtime.sagemaker.us-east-1.amazonaws.com.example.com", undefined],
    ["api.sagemaker.us-east-1.amazonaws.com", undefined],
    ["bedrock-runtime.us-east-1.amazonaws.com", undefined],
    ["xruntime.sagemaker.us-east-1.amazonaws.com", undefined],
  ];
  for (const [host, region] of cases) assert.equal(sageMakerRegionFromHost(host), region, host);
});

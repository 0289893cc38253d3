import * as assert from "node:assert/strict";
import { test } from "node:test";
import { bedrockRegionFromHost } from "../../../src/credentials/aws/bedrock-region-from-host.js";
import { parseAwsCredentialsFile } from "../../../src/credentials/aws/parse-aws-credentials-file.js";

const FILE = `# written by aws configure
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[bedrock]
; temporary credentials
AWS_ACCESS_KEY_ID=ASIAIOSFODNN7EXAMPLE
aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
aws_session_token = IQoJb3JpZ2luX2VjEXAMPLE==\r
[profile other]
aws_access_key_id = AKIAOTHER
aws_secret_access_key = other-secret
[broken]
aws_access_key_id = AKIAONLYHALF
`;

test("reads the default profile, a named one, session tokens, comments, CRLF and [profile x]", () => {
  assert.deepEqual(parseAwsCredentialsFile(FILE, "default"), {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  });
  assert.deepEqual(parseAwsCredentialsFile(FILE, "bedrock"), {
    accessKeyId: "ASIAIOSFODNN7EXAMPLE",
    secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE==",
  });
  assert.deepEqual(parseAwsCredentialsFile(FILE, "other"), {
    accessKeyId: "AKIAOTHER",
    secretAccessKey: "other-secret",
  });
});

test("a missing profile or a half key pair gives nothing", () => {
  assert.equal(parseAwsCredentialsFile(FILE, "absent"), undefined);
  assert.equal(parseAwsCredentialsFile(FILE, "broken"), undefined);
  assert.equal(parseAwsCredentialsFile("", "default"), undefined);
});

test("the signing region comes from Bedrock runtime host names only", () => {
  assert.equal(bedrockRegionFromHost("bedrock-runtime.us-west-2.amazonaws.com"), "us-west-2");
  assert.equal(bedrockRegionFromHost("bedrock-runtime-fips.us-east-1.amazonaws.com:443"), "us-east-1");
  assert.equal(
    bedrockRegionFromHost("vpce-0abc123.bedrock-runtime.eu-central-1.vpce.amazonaws.com"),
    "eu-central-1",
  );
  assert.equal(bedrockRegionFromHost("bedrock-runtime.ap-southeast-2.api.aws"), "ap-southeast-2");
  assert.equal(bedrockRegionFromHost("bedrock-runtime.us-east-1.amazonaws.com.example.com"), undefined);
  assert.equal(bedrockRegionFromHost("mybedrock-runtime.us-east-1.amazonaws.com"), undefined);
  assert.equal(bedrockRegionFromHost("127.0.0.1:8080"), undefined);
});

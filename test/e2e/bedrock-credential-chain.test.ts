import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import {
  type FakeCredentialSource,
  type FakeSts,
  startFakeContainerCredentials,
  startFakeSts,
} from "../support/fake-aws-credential-sources.js";
import { bedrockBackendDocs, type FakeBedrock, startFakeBedrock } from "../support/fake-bedrock.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { sendRaw } from "../support/send-raw.js";
import { type ServingAigw, serveAigw } from "../support/spawn-aigw.js";

/**
 * AWSCredentials policies without static keys, served by AWS's default credential chain. The chain
 * reads the process environment, not the env the gateway is handed, so each test runs `aigw run` as a
 * child process with an environment built from nothing: HOME an empty directory (no ~/.aws files),
 * EC2 instance metadata disabled, and only the variables of the source under test. The official
 * OpenAI SDK talks to the gateway; the fake Bedrock checks every SigV4 signature against the
 * temporary credentials the fake credential source handed out, session token included.
 */

const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const EPHEMERAL = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1"];
/** Temporary credentials as AWS hands them out; `&` checks the STS XML is unescaped. */
const TEMPORARY = {
  accessKeyId: "ASIAFAKETEMPORARYKEY",
  secretAccessKey: "temporary/secret+key",
  sessionToken: "IQoJb3JpZ2luX2VjEFAKE//session&token==",
};
/** What a credential source hands out next, once the first set nears its expiry. */
const ROTATED = {
  accessKeyId: "ASIAFAKEROTATEDKEY",
  secretAccessKey: "rotated/secret+key",
  sessionToken: "IQoJb3JpZ2luX2VjEFAKE//rotated==",
};
const ROLE_ARN = "arn:aws:iam::123456789012:role/aigw-bedrock";
/** Shaped like the projected service-account token (a JWT) kubelet writes for IRSA. */
const WEB_IDENTITY_TOKEN =
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YWk6YWlndyJ9.c2lnbmF0dXJl";

let dir: string;
let home: string;
let configFile: string;
let bedrock: FakeBedrock;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "aigw-chain-"));
  home = await mkdtemp(join(dir, "home-"));
  bedrock = await startFakeBedrock({ credentials: [TEMPORARY, ROTATED] });
  configFile = join(dir, "config.yaml");
  await writeFile(
    configFile,
    configYaml(
      gatewayDocs(),
      // No credentialsFile: the policy names only the region, as on EKS/ECS/EC2.
      bedrockBackendDocs("bedrock", bedrock),
      routeDoc("bedrock", { rules: [{ matches: [modelIs(CLAUDE)], backendRefs: [{ name: "bedrock" }] }] }),
    ),
  );
});

after(async () => {
  await bedrock?.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * `aigw run` with only these variables: built from nothing rather than from process.env, so that a
 * runner's own AWS_* variables or ~/.aws files cannot feed the chain.
 */
function serveWith(variables: Record<string, string>): Promise<ServingAigw> {
  return serveAigw([configFile, ...EPHEMERAL], {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_EC2_METADATA_DISABLED: "true",
    ...variables,
  });
}

/** Sends `count` chat requests (the last one streamed) and checks each was signed with TEMPORARY. */
async function chatSignedWithTemporaryCredentials(aigw: ServingAigw, count: number): Promise<void> {
  const client = new OpenAI({ apiKey: "sk-client", baseURL: `${aigw.url}/v1`, maxRetries: 0 });
  const before = bedrock.calls.length;
  for (let i = 0; i < count - 1; i++) {
    const answer = await client.chat.completions.create({
      model: CLAUDE,
      messages: [{ role: "user", content: `Hi ${i}` }],
    });
    assert.equal(answer.choices[0]?.message.content, "Hello from Bedrock.");
  }
  const stream = await client.chat.completions.create({
    model: CLAUDE,
    messages: [{ role: "user", content: "Stream please" }],
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  assert.equal(text, "Hello from Bedrock.");
  const calls = bedrock.calls.slice(before);
  assert.equal(calls.length, count);
  for (const call of calls) {
    assert.match(String(call.request.headers.authorization), /Credential=ASIAFAKETEMPORARYKEY\//);
    assert.equal(call.request.headers["x-amz-security-token"], TEMPORARY.sessionToken);
  }
}

for (const [name, tokenVariable] of [
  ["EKS Pod Identity (token file)", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"],
  ["ECS (token in the environment)", "AWS_CONTAINER_AUTHORIZATION_TOKEN"],
] as const) {
  test(`container credentials, ${name}: fetched once with the token, then cached across requests`, async () => {
    const token = "container-token-8f3a";
    const tokenFile = join(dir, "pod-identity-token");
    await writeFile(tokenFile, token);
    const endpoint: FakeCredentialSource = await startFakeContainerCredentials({
      token,
      credentials: TEMPORARY,
    });
    let aigw: ServingAigw | undefined;
    try {
      aigw = await serveWith({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v1/credentials`,
        [tokenVariable]: tokenVariable.endsWith("_FILE") ? tokenFile : token,
      });
      await chatSignedWithTemporaryCredentials(aigw, 3);
      assert.equal(endpoint.requests.length, 1, "the chain caches credentials until they near expiry");
      assert.equal(endpoint.requests[0]?.headers.authorization, token);
      assert.doesNotMatch(aigw.stderr() + aigw.stdout(), /container-token|temporary\/secret|session&token/);
    } finally {
      await aigw?.stop();
      await endpoint.close();
    }
  });
}

test("container credentials within five minutes of expiry are fetched again, and signing follows them", async () => {
  const token = "container-token-8f3a";
  // Four minutes of validity: already inside the window in which the SDK refreshes (five minutes).
  const endpoint = await startFakeContainerCredentials({
    token,
    credentials: [TEMPORARY, ROTATED],
    lifetimeMs: 240_000,
  });
  let aigw: ServingAigw | undefined;
  try {
    aigw = await serveWith({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
    });
    const client = new OpenAI({ apiKey: "sk-client", baseURL: `${aigw.url}/v1`, maxRetries: 0 });
    const before = bedrock.calls.length;
    // The SDK refreshes in the background and signs with the still-valid set meanwhile, so the new
    // set shows on a later request: send until it does (a few at most), pausing briefly in between.
    for (
      let i = 0;
      i < 20 && bedrock.calls.at(-1)?.request.headers["x-amz-security-token"] !== ROTATED.sessionToken;
      i++
    ) {
      const answer = await client.chat.completions.create({
        model: CLAUDE,
        messages: [{ role: "user", content: `Hi ${i}` }],
      });
      assert.equal(answer.choices[0]?.message.content, "Hello from Bedrock.");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const keys = bedrock.calls
      .slice(before)
      .map((call) => /Credential=(\w+)\//.exec(String(call.request.headers.authorization))?.[1]);
    // The first set until the refreshed one arrives, then only the refreshed one (the fake Bedrock
    // accepts a request only with a set's own secret and session token).
    const firstRotated = keys.indexOf(ROTATED.accessKeyId);
    assert.ok(firstRotated > 0, `signed with: ${keys.join(", ")}`);
    assert.deepEqual(keys.slice(0, firstRotated), Array(firstRotated).fill(TEMPORARY.accessKeyId));
    assert.deepEqual(keys.slice(firstRotated), Array(keys.length - firstRotated).fill(ROTATED.accessKeyId));
    assert.ok(endpoint.requests.length >= 2, "the credentials were fetched again");
  } finally {
    await aigw?.stop();
    await endpoint.close();
  }
});

/**
 * A fake STS that lets WEB_IDENTITY_TOKEN assume ROLE_ARN, and aigw run with IRSA's variables
 * naming `roleArn` (plus `more`), the token in a file as kubelet projects it.
 */
async function serveWithWebIdentity(
  roleArn: string,
  more: Record<string, string> = {},
): Promise<{ sts: FakeSts; aigw: ServingAigw }> {
  const tokenFile = join(dir, "irsa-token");
  await writeFile(tokenFile, WEB_IDENTITY_TOKEN);
  const sts = await startFakeSts({
    roleArn: ROLE_ARN,
    webIdentityToken: WEB_IDENTITY_TOKEN,
    credentials: TEMPORARY,
  });
  try {
    const aigw = await serveWith({
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: roleArn,
      AWS_ENDPOINT_URL_STS: sts.url,
      ...more,
    });
    return { sts, aigw };
  } catch (err) {
    await sts.close();
    throw err;
  }
}

test("web identity (IRSA): the token file and role reach STS, and Bedrock sees the returned credentials", async () => {
  const { sts, aigw } = await serveWithWebIdentity(ROLE_ARN, { AWS_ROLE_SESSION_NAME: "aigw-e2e" });
  try {
    await chatSignedWithTemporaryCredentials(aigw, 2);
    assert.equal(sts.calls.length, 1);
    const call = sts.calls[0]!;
    assert.equal(call.get("Action"), "AssumeRoleWithWebIdentity");
    assert.equal(call.get("RoleArn"), ROLE_ARN);
    assert.equal(call.get("WebIdentityToken"), WEB_IDENTITY_TOKEN);
    assert.equal(call.get("RoleSessionName"), "aigw-e2e");
  } finally {
    await aigw.stop();
    await sts.close();
  }
});

test("web identity refused by STS: 401 with STS's reason, and never the token", async () => {
  const { sts, aigw } = await serveWithWebIdentity("arn:aws:iam::123456789012:role/not-trusted");
  try {
    const before = bedrock.requests.length;
    const res = await sendRaw(`${aigw.url}/v1/chat/completions`, {
      body: { model: CLAUDE, messages: [{ role: "user", content: "Hi" }] },
    });
    assert.equal(res.status, 401, res.text);
    const message = (JSON.parse(res.text) as { error: { message: string } }).error.message;
    assert.match(
      message,
      /^no AWS credentials were found .*: AccessDenied.*Not authorized to perform sts:AssumeRoleWithWebIdentity/,
    );
    assert.equal(sts.calls.length, 1);
    assert.equal(bedrock.requests.length, before, "nothing unsigned reaches Bedrock");
    assert.doesNotMatch(res.text + aigw.stderr() + aigw.stdout(), /eyJhbGci/);
  } finally {
    await aigw.stop();
    await sts.close();
  }
});

test("no credential source anywhere: 401 in the OpenAI envelope, quickly, and the gateway stays up", async () => {
  const aigw = await serveWith({});
  try {
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const res = await sendRaw(`${aigw.url}/v1/chat/completions`, {
        body: { model: CLAUDE, messages: [{ role: "user", content: "Hi" }] },
      });
      const elapsed = performance.now() - started;
      assert.equal(res.status, 401, res.text);
      const body = JSON.parse(res.text) as {
        type: string;
        error: { type: string; code: string; message: string };
      };
      assert.equal(body.type, "error");
      assert.equal(body.error.type, "Unauthorized");
      assert.equal(body.error.code, "401");
      assert.match(
        body.error.message,
        /^no AWS credentials were found in the environment, the shared credentials file or AWS's default chain: /,
      );
      assert.match(body.error.message, /Could not load credentials from any providers/);
      assert.ok(elapsed < 2000, `answered in ${Math.round(elapsed)} ms`);
    }
    assert.equal((await sendRaw(`${aigw.adminUrl}/health`)).status, 200);
    assert.equal(aigw.child.exitCode, null);
  } finally {
    assert.equal(await aigw.stop(), 0);
  }
});

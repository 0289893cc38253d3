import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import type { AwsCredentials } from "../../../src/credentials/aws/aws-credentials.js";
import type { AwsCredentialChain } from "../../../src/credentials/aws/aws-default-chain.js";
import {
  type AwsCredentialSpec,
  createAwsCredentialInjector,
  InvalidAwsCredentialsFileError,
} from "../../../src/credentials/aws/create-aws-credential-injector.js";
import type { OutgoingRequest } from "../../../src/credentials/credential-injector.js";
import { MissingCredentialError } from "../../../src/credentials/missing-credential-error.js";
import { type FakeBedrock, startFakeBedrock } from "../../support/fake-bedrock.js";

const GOOD = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const MODEL_PATH = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse";
const BODY = JSON.stringify({
  messages: [{ role: "user", content: [{ text: "Hi" }] }],
  inferenceConfig: { maxTokens: 64 },
});

/** Temporary credentials, as AWS's default chain hands them out; tokenFake accepts exactly these. */
const TEMPORARY = {
  accessKeyId: "ASIATEMP",
  secretAccessKey: "temp-secret",
  sessionToken: "IQoJb3JpZ2luX2VjTOKEN",
};

let fake: FakeBedrock;
let tokenFake: FakeBedrock;
let dir: string;

before(async () => {
  fake = await startFakeBedrock({ credentials: GOOD, region: "eu-west-1" });
  tokenFake = await startFakeBedrock({ credentials: TEMPORARY, region: "eu-west-1" });
  dir = await mkdtemp(join(tmpdir(), "aigw-aws-"));
});

after(async () => {
  await fake.close();
  await tokenFake.close();
  await rm(dir, { recursive: true, force: true });
});

/** An upstream request as the gateway builds it, with client headers forwarded. */
function outgoing(target: FakeBedrock, clientHeaders: Record<string, string> = {}): OutgoingRequest {
  const url = new URL(MODEL_PATH, target.url);
  return {
    method: "POST",
    path: MODEL_PATH,
    authority: url.host,
    headers: {
      host: url.host,
      "content-type": "application/json",
      "user-agent": "OpenAI/JS 7.57.0",
      "x-stainless-lang": "js",
      "x-ai-eg-model": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    },
    body: BODY,
    clientHeaders,
  };
}

/** Sends the signed request exactly as built; returns Bedrock's status and error type. */
async function send(
  req: OutgoingRequest,
): Promise<{ status: number; errorType: string | undefined; body: string }> {
  const res = await request(`http://${req.authority}${req.path}`, {
    method: "POST",
    headers: req.headers,
    body: req.body,
  });
  const errorType = res.headers["x-amzn-errortype"];
  return {
    status: res.statusCode,
    errorType: typeof errorType === "string" ? errorType.split(":")[0] : undefined,
    body: await res.body.text(),
  };
}

const NO_OVERRIDE = { region: "eu-west-1", overrideEnabled: false, fallbackToConfigured: true };

test("credentials from the credentialsFile secret sign requests the fake Bedrock accepts", async () => {
  const injector = createAwsCredentialInjector(
    {
      ...NO_OVERRIDE,
      credentialsFile: {
        secret: `[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n[prod]\naws_access_key_id = ${GOOD.accessKeyId}\naws_secret_access_key = ${GOOD.secretAccessKey}\n`,
        profile: "prod",
      },
    },
    { AWS_ACCESS_KEY_ID: "AKIAENVIGNORED", AWS_SECRET_ACCESS_KEY: "ignored" },
  );
  assert.deepEqual(injector.overrideHeaders, []);
  const req = outgoing(fake);
  await injector.inject(req);
  const res = await send(req);
  assert.equal(res.status, 200, res.body);
  assert.equal(fake.calls.at(-1)?.modelId, "anthropic.claude-3-5-sonnet-20240620-v1:0");
});

test("a wrong secret is refused by the fake with InvalidSignatureException", async () => {
  const injector = createAwsCredentialInjector(NO_OVERRIDE, {
    AWS_ACCESS_KEY_ID: GOOD.accessKeyId,
    AWS_SECRET_ACCESS_KEY: "not-the-secret",
  });
  const req = outgoing(fake);
  await injector.inject(req);
  const res = await send(req);
  assert.equal(res.status, 403);
  assert.equal(res.errorType, "InvalidSignatureException");
});

test("environment credentials with a session token", async () => {
  const injector = createAwsCredentialInjector(NO_OVERRIDE, {
    AWS_ACCESS_KEY_ID: "ASIATEMP",
    AWS_SECRET_ACCESS_KEY: "temp-secret",
    AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjTOKEN",
  });
  const req = outgoing(tokenFake);
  await injector.inject(req);
  assert.equal(req.headers["x-amz-security-token"], "IQoJb3JpZ2luX2VjTOKEN");
  assert.equal((await send(req)).status, 200);
});

test("each attempt is signed anew, and a tampered body is refused", async () => {
  const injector = createAwsCredentialInjector(NO_OVERRIDE, {
    AWS_ACCESS_KEY_ID: GOOD.accessKeyId,
    AWS_SECRET_ACCESS_KEY: GOOD.secretAccessKey,
  });
  const first = outgoing(fake);
  await injector.inject(first);
  const retry = outgoing(fake);
  retry.body = BODY.replace("64", "65");
  await injector.inject(retry);
  assert.notEqual(first.headers.authorization, retry.headers.authorization);
  assert.equal((await send(retry)).status, 200);
  const tampered = outgoing(fake);
  await injector.inject(tampered);
  tampered.body = BODY.replace("64", "65");
  assert.equal((await send(tampered)).errorType, "InvalidSignatureException");
});

test("override headers win and are listed for stripping; a partial override or none without fallback is refused", async () => {
  const injector = createAwsCredentialInjector(
    { region: "eu-west-1", overrideEnabled: true, fallbackToConfigured: false },
    { AWS_ACCESS_KEY_ID: "AKIACONFIGURED", AWS_SECRET_ACCESS_KEY: "configured" },
  );
  assert.deepEqual(injector.overrideHeaders, [
    "x-aigw-aws-access-key-id",
    "x-aigw-aws-secret-access-key",
    "x-aigw-aws-session-token",
  ]);
  const req = outgoing(tokenFake, {
    "x-aigw-aws-access-key-id": "ASIATEMP",
    "x-aigw-aws-secret-access-key": "temp-secret",
    "x-aigw-aws-session-token": "IQoJb3JpZ2luX2VjTOKEN",
  });
  await injector.inject(req);
  assert.equal((await send(req)).status, 200);

  await assert.rejects(async () => injector.inject(outgoing(fake)), MissingCredentialError);
  await assert.rejects(
    async () => injector.inject(outgoing(fake, { "x-aigw-aws-access-key-id": GOOD.accessKeyId })),
    MissingCredentialError,
  );
});

test("a custom override prefix, falling back to the configured credentials when the headers are absent", async () => {
  const injector = createAwsCredentialInjector(
    {
      region: "eu-west-1",
      overrideEnabled: true,
      fallbackToConfigured: true,
      overrideHeaderPrefix: "X-Tenant-AWS-",
    },
    { AWS_ACCESS_KEY_ID: GOOD.accessKeyId, AWS_SECRET_ACCESS_KEY: GOOD.secretAccessKey },
  );
  assert.equal(injector.overrideHeaders[0], "x-tenant-aws-access-key-id");
  const fallback = outgoing(fake);
  await injector.inject(fallback);
  assert.equal((await send(fallback)).status, 200);
  const overridden = outgoing(fake, {
    "x-tenant-aws-access-key-id": "AKIAOTHERTENANT",
    "x-tenant-aws-secret-access-key": "s",
  });
  await injector.inject(overridden);
  assert.equal((await send(overridden)).errorType, "UnrecognizedClientException");
});

test("the signing region follows a Bedrock runtime host, else the configured one", async () => {
  const injector = createAwsCredentialInjector(
    { ...NO_OVERRIDE, region: "us-east-1" },
    { AWS_ACCESS_KEY_ID: GOOD.accessKeyId, AWS_SECRET_ACCESS_KEY: GOOD.secretAccessKey },
  );
  const req = outgoing(fake);
  req.headers.host = "bedrock-runtime-fips.ap-northeast-1.amazonaws.com";
  await injector.inject(req);
  assert.match(String(req.headers.authorization), /\/20\d{6}\/ap-northeast-1\/bedrock\/aws4_request,/);
  const plain = outgoing(fake);
  await injector.inject(plain);
  assert.match(String(plain.headers.authorization), /\/us-east-1\/bedrock\//);
});

test("the shared credentials file is used last and re-read after it changes on disk", async () => {
  const file = join(dir, "credentials");
  await writeFile(file, "[work]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old-secret\n");
  const injector = createAwsCredentialInjector(NO_OVERRIDE, {
    AWS_SHARED_CREDENTIALS_FILE: file,
    AWS_PROFILE: "work",
  });
  const before = outgoing(fake);
  await injector.inject(before);
  assert.equal((await send(before)).errorType, "UnrecognizedClientException");

  await writeFile(
    file,
    `[work]\naws_access_key_id = ${GOOD.accessKeyId}\naws_secret_access_key = ${GOOD.secretAccessKey}\n`,
  );
  await sleep(1100);
  const rotated = outgoing(fake);
  await injector.inject(rotated);
  assert.equal((await send(rotated)).status, 200);
});

test("no credentials anywhere, the default chain included, is a missing credential; a credentialsFile without the profile is a config error", async () => {
  const injector = createAwsCredentialInjector(
    NO_OVERRIDE,
    { AWS_SHARED_CREDENTIALS_FILE: join(dir, "absent") },
    async () => {
      throw new Error("Could not load credentials from any providers");
    },
  );
  await assert.rejects(
    async () => injector.inject(outgoing(fake)),
    (err: unknown) =>
      err instanceof MissingCredentialError &&
      err.message ===
        "no AWS credentials were found in the environment, the shared credentials file or AWS's default chain: Could not load credentials from any providers",
  );
  assert.throws(
    () => createAwsCredentialInjector({ ...NO_OVERRIDE, credentialsFile: { secret: "[default]\n" } }, {}),
    InvalidAwsCredentialsFileError,
  );
});

/** A stand-in for AWS's default chain that counts its calls and hands out `credentials`. */
function countingChain(credentials: AwsCredentials): { chain: AwsCredentialChain; calls: () => number } {
  let calls = 0;
  return {
    chain: async () => {
      calls++;
      return credentials;
    },
    calls: () => calls,
  };
}

test("the default chain is asked only when the secret, the environment keys and the shared file give nothing", async () => {
  const sharedFile = join(dir, "credentials-for-chain-test");
  await writeFile(
    sharedFile,
    `[default]\naws_access_key_id = ${GOOD.accessKeyId}\naws_secret_access_key = ${GOOD.secretAccessKey}\n`,
  );
  const staticSources: [string, Partial<AwsCredentialSpec>, Record<string, string>][] = [
    [
      "credentialsFile",
      {
        credentialsFile: {
          secret: `[default]\naws_access_key_id = ${GOOD.accessKeyId}\naws_secret_access_key = ${GOOD.secretAccessKey}\n`,
        },
      },
      {},
    ],
    ["environment", {}, { AWS_ACCESS_KEY_ID: GOOD.accessKeyId, AWS_SECRET_ACCESS_KEY: GOOD.secretAccessKey }],
    ["shared file", {}, { AWS_SHARED_CREDENTIALS_FILE: sharedFile }],
  ];
  for (const [source, spec, env] of staticSources) {
    const spy = countingChain(TEMPORARY);
    const injector = createAwsCredentialInjector({ ...NO_OVERRIDE, ...spec }, env, spy.chain);
    const req = outgoing(fake);
    await injector.inject(req);
    assert.equal((await send(req)).status, 200, source);
    assert.equal(spy.calls(), 0, `${source}: the chain was not asked`);
  }

  const spy = countingChain(TEMPORARY);
  const injector = createAwsCredentialInjector(
    NO_OVERRIDE,
    { AWS_SHARED_CREDENTIALS_FILE: join(dir, "absent") },
    spy.chain,
  );
  for (let i = 0; i < 2; i++) {
    const req = outgoing(tokenFake);
    await injector.inject(req);
    assert.equal(req.headers["x-amz-security-token"], TEMPORARY.sessionToken);
    assert.equal((await send(req)).status, 200);
  }
  // Asked per request: the chain itself caches (the real one until credentials near expiry).
  assert.equal(spy.calls(), 2);
});

test("with credentialOverride, the chain stands in for the configured credentials only when falling back", async () => {
  const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, "absent") };
  const strict = countingChain(TEMPORARY);
  const noFallback = createAwsCredentialInjector(
    { region: "eu-west-1", overrideEnabled: true, fallbackToConfigured: false },
    env,
    strict.chain,
  );
  await assert.rejects(async () => noFallback.inject(outgoing(tokenFake)), MissingCredentialError);
  const overridden = outgoing(fake, {
    "x-aigw-aws-access-key-id": GOOD.accessKeyId,
    "x-aigw-aws-secret-access-key": GOOD.secretAccessKey,
  });
  await noFallback.inject(overridden);
  assert.equal((await send(overridden)).status, 200);
  assert.equal(strict.calls(), 0);

  const lenient = countingChain(TEMPORARY);
  const fallback = createAwsCredentialInjector(
    { region: "eu-west-1", overrideEnabled: true, fallbackToConfigured: true },
    env,
    lenient.chain,
  );
  const req = outgoing(tokenFake);
  await fallback.inject(req);
  assert.equal((await send(req)).status, 200);
  assert.equal(lenient.calls(), 1);
});

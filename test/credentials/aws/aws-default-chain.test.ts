import * as assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { request } from "undici";
import { createAwsCredentialInjector } from "../../../src/credentials/aws/create-aws-credential-injector.js";
import type { OutgoingRequest } from "../../../src/credentials/credential-injector.js";
import { MissingCredentialError } from "../../../src/credentials/missing-credential-error.js";
import { EXAMPLE_CREDENTIALS, type FakeBedrock, startFakeBedrock } from "../../support/fake-bedrock.js";

/**
 * The injector with AWS's real default chain, in this test's own process. The chain reads
 * process.env, not the env the injector is given, so this file sets the process environment itself
 * before its tests (node --test runs each file in a process of its own): no AWS_* variable of the
 * runner, HOME an empty directory, a config file of our own, instance metadata disabled.
 * Whether the package was loaded is read from Node's module cache (it is CommonJS), not from our code.
 */

const require = createRequire(import.meta.url);
const PACKAGE_ENTRY = require.resolve("@aws-sdk/credential-provider-node");
const packageLoaded = () => PACKAGE_ENTRY in require.cache;

const STATIC = EXAMPLE_CREDENTIALS;
const TEMPORARY = {
  accessKeyId: "ASIAPROCESS",
  secretAccessKey: "process-secret",
  sessionToken: "process-token",
};
const MODEL_PATH = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse";
const NO_OVERRIDE = { region: "us-east-1", overrideEnabled: false, fallbackToConfigured: true };

let dir: string;
let staticFake: FakeBedrock;
let temporaryFake: FakeBedrock;
let processRuns: string;
let absent: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "aigw-default-chain-"));
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  process.env.HOME = await mkdtemp(join(dir, "home-"));
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  absent = join(dir, "absent");
  process.env.AWS_SHARED_CREDENTIALS_FILE = absent;
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  // A credential_process that counts its runs, so the test sees the SDK's cache at work.
  processRuns = join(dir, "process-runs");
  const script = join(dir, "credential-process.cjs");
  await writeFile(
    script,
    `require("node:fs").appendFileSync(${JSON.stringify(processRuns)}, "run\\n");
process.stdout.write(JSON.stringify({
  Version: 1,
  AccessKeyId: ${JSON.stringify(TEMPORARY.accessKeyId)},
  SecretAccessKey: ${JSON.stringify(TEMPORARY.secretAccessKey)},
  SessionToken: ${JSON.stringify(TEMPORARY.sessionToken)},
  Expiration: new Date(Date.now() + 3600000).toISOString(),
}));
`,
  );
  await writeFile(
    process.env.AWS_CONFIG_FILE,
    `[profile bedrock-process]\ncredential_process = "${process.execPath}" "${script}"\n`,
  );
  staticFake = await startFakeBedrock({ credentials: STATIC });
  temporaryFake = await startFakeBedrock({ credentials: TEMPORARY });
});

after(async () => {
  await staticFake.close();
  await temporaryFake.close();
  await rm(dir, { recursive: true, force: true });
});

function outgoing(target: FakeBedrock): OutgoingRequest {
  const host = new URL(target.url).host;
  return {
    method: "POST",
    path: MODEL_PATH,
    authority: host,
    headers: { host, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: [{ text: "Hi" }] }] }),
    clientHeaders: {},
  };
}

async function status(req: OutgoingRequest): Promise<number> {
  const res = await request(`http://${req.authority}${req.path}`, {
    method: "POST",
    headers: req.headers,
    body: req.body,
  });
  await res.body.dump();
  return res.statusCode;
}

test("configurations with static keys never load @aws-sdk/credential-provider-node", async () => {
  const sharedFile = join(dir, "credentials");
  await writeFile(
    sharedFile,
    `[default]\naws_access_key_id = ${STATIC.accessKeyId}\naws_secret_access_key = ${STATIC.secretAccessKey}\n`,
  );
  const injectors = [
    createAwsCredentialInjector(
      {
        ...NO_OVERRIDE,
        credentialsFile: {
          secret: `[default]\naws_access_key_id = ${STATIC.accessKeyId}\naws_secret_access_key = ${STATIC.secretAccessKey}\n`,
        },
      },
      {},
    ),
    createAwsCredentialInjector(NO_OVERRIDE, {
      AWS_ACCESS_KEY_ID: STATIC.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STATIC.secretAccessKey,
    }),
    createAwsCredentialInjector(NO_OVERRIDE, { AWS_SHARED_CREDENTIALS_FILE: sharedFile }),
  ];
  for (const injector of injectors) {
    const req = outgoing(staticFake);
    await injector.inject(req);
    assert.equal(await status(req), 200);
  }
  // Building an injector that could fall back to the chain does not load it either.
  createAwsCredentialInjector(NO_OVERRIDE, { AWS_SHARED_CREDENTIALS_FILE: absent });
  assert.equal(packageLoaded(), false);
});

test("the injector's AWS_PROFILE reaches the chain: that profile's credential_process signs, run once for several requests", async () => {
  const injector = createAwsCredentialInjector(NO_OVERRIDE, {
    AWS_PROFILE: "bedrock-process",
    AWS_SHARED_CREDENTIALS_FILE: absent,
  });
  for (let i = 0; i < 3; i++) {
    const req = outgoing(temporaryFake);
    await injector.inject(req);
    assert.equal(req.headers["x-amz-security-token"], TEMPORARY.sessionToken);
    assert.equal(await status(req), 200);
  }
  assert.equal(packageLoaded(), true);
  assert.equal((await readFile(processRuns, "utf8")).split("\n").filter(Boolean).length, 1);
});

test("nothing in the chain either: a missing credential with the chain's reason", async () => {
  const injector = createAwsCredentialInjector(NO_OVERRIDE, { AWS_SHARED_CREDENTIALS_FILE: absent });
  await assert.rejects(
    async () => injector.inject(outgoing(staticFake)),
    (err: unknown) =>
      err instanceof MissingCredentialError &&
      /^no AWS credentials were found .*: Could not load credentials from any providers$/.test(err.message),
  );
});

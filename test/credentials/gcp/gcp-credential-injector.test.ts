import * as assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { UnsupportedCredentialError } from "../../../src/credentials/compile-credentials.js";
import { CredentialFetchError } from "../../../src/credentials/credential-fetch-error.js";
import type { OutgoingRequest } from "../../../src/credentials/credential-injector.js";
import { createGcpCredentialInjector } from "../../../src/credentials/gcp/create-gcp-credential-injector.js";
import { InvalidGcpCredentialsFileError } from "../../../src/credentials/gcp/service-account-key.js";
import { MissingCredentialError } from "../../../src/credentials/missing-credential-error.js";
import { type FakeGcpToken, makeServiceAccount, startFakeGcpToken } from "../../support/fake-gcp-token.js";

const LOCATION = { projectName: "policy-project", region: "us-east5" };
const PATH = "/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict";

let fake: FakeGcpToken;

before(async () => {
  fake = await startFakeGcpToken();
});

after(async () => {
  await fake.close();
});

/** An injector with a token cache of its own, so each test sees its own exchanges. */
function privateInjector(...args: Parameters<typeof createGcpCredentialInjector>) {
  return createGcpCredentialInjector(args[0], { ...args[1], shareTokens: false });
}

function outgoing(): OutgoingRequest {
  return {
    method: "POST",
    path: PATH,
    authority: "us-east5-aiplatform.googleapis.com",
    headers: { host: "us-east5-aiplatform.googleapis.com", "content-type": "application/json" },
    body: "{}",
    clientHeaders: { authorization: "Bearer client-key" },
  };
}

async function inject(injector: ReturnType<typeof createGcpCredentialInjector>): Promise<OutgoingRequest> {
  const req = outgoing();
  await injector.inject(req);
  return req;
}

test("a token from the key file's token_uri is sent as a bearer token and the path gets the policy's project and region", async () => {
  fake.expiresIn = 3600;
  const before = fake.issued.length;
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  const req = await inject(injector);
  assert.equal(fake.issued.length, before + 1);
  const token = (fake.issued.at(-1) as { value: string }).value;
  assert.equal(req.headers.authorization, `Bearer ${token}`);
  // The policy's project, not the key file's project_id ("key-file-project").
  assert.equal(req.path, `/v1/projects/policy-project/locations/us-east5${PATH}`);
});

test("the assertion carries the service account's claims, its kid, and an hour's validity", async () => {
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  const before = fake.requests.length;
  await inject(injector);
  const sent = fake.requests[before];
  assert.ok(sent);
  const form = new URLSearchParams(sent.body.toString("utf8"));
  assert.equal(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const assertion = form.get("assertion") ?? "";
  assert.deepEqual(decodeProtectedHeader(assertion), {
    alg: "RS256",
    typ: "JWT",
    kid: fake.account.privateKeyId,
  });
  const claims = decodeJwt(assertion);
  assert.equal(claims.iss, fake.account.clientEmail);
  assert.equal(claims.sub, fake.account.clientEmail);
  assert.equal(claims.aud, fake.tokenUri);
  assert.equal(claims.scope, "https://www.googleapis.com/auth/cloud-platform");
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
});

test("the token is cached: later requests are authorized synchronously without another exchange", async () => {
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  const first = await inject(injector);
  const issued = fake.issued.length;
  const req = outgoing();
  const result = injector.inject(req);
  assert.equal(result, undefined, "no promise while the token is valid");
  assert.equal(req.headers.authorization, first.headers.authorization);
  assert.equal(fake.issued.length, issued);
});

test("concurrent first requests share one token exchange", async () => {
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  const release = fake.hold();
  const before = fake.issued.length;
  const reqs = [outgoing(), outgoing(), outgoing(), outgoing()];
  const pending = reqs.map((r) => injector.inject(r));
  release();
  await Promise.all(pending);
  assert.equal(fake.issued.length, before + 1);
  assert.equal(new Set(reqs.map((r) => r.headers.authorization)).size, 1);
});

test("a token is refreshed before it expires and the fresh one is used", async () => {
  // Two seconds to live: the refresh margin is half of that, so a second later one refresh runs
  // while the old token is still sent. (The fake checks iat against the real clock, so real time passes.)
  fake.expiresIn = 2;
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  const first = await inject(injector);
  const before = fake.issued.length;
  fake.expiresIn = 3600;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const during = outgoing();
  assert.equal(injector.inject(during), undefined, "the valid token is used without waiting");
  assert.equal(during.headers.authorization, first.headers.authorization);
  // The refreshed token replaces the old one as soon as its exchange completes, before the old expires.
  const after = outgoing();
  await waitFor(() => {
    after.headers = {};
    assert.equal(injector.inject(after), undefined);
    return after.headers.authorization !== first.headers.authorization;
  });
  assert.equal(fake.issued.length, before + 1, "exactly one refresh");
  assert.equal(after.headers.authorization, `Bearer ${(fake.issued.at(-1) as { value: string }).value}`);
  assert.ok(fake.isValid((fake.issued.at(-1) as { value: string }).value));
});

test("a token refused by the endpoint fails the request clearly, without the key or the assertion, and is not cached", async () => {
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  fake.failNext(1, 400, "invalid_grant", "Invalid JWT Signature.");
  const before = fake.requests.length;
  await assert.rejects(inject(injector), (err: Error) => {
    assert.ok(err instanceof CredentialFetchError);
    assert.match(
      err.message,
      /GCP token endpoint http:\/\/127\.0\.0\.1:\d+\/token answered 400: invalid_grant \(Invalid JWT Signature\.\)/,
    );
    const assertion =
      new URLSearchParams(fake.requests[before]?.body.toString("utf8")).get("assertion") ?? "";
    assert.ok(assertion.length > 0 && !err.message.includes(assertion));
    assert.ok(!err.message.includes("PRIVATE KEY"));
    return true;
  });
  const req = await inject(injector);
  assert.equal(req.headers.authorization, `Bearer ${(fake.issued.at(-1) as { value: string }).value}`);
});

test("a key the endpoint does not know is refused by the fake's signature check", async () => {
  const stranger = makeServiceAccount(fake.tokenUri, fake.account.clientEmail);
  const file = JSON.parse(stranger.keyFile) as Record<string, unknown>;
  file.private_key_id = fake.account.privateKeyId;
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: JSON.stringify(file) });
  await assert.rejects(inject(injector), (err: Error) => {
    assert.ok(err instanceof CredentialFetchError);
    assert.match(err.message, /answered 400: invalid_grant \(Invalid JWT Signature\./);
    return true;
  });
});

test("an unreachable token endpoint is a CredentialFetchError naming it", async () => {
  const port = await closedPort();
  const account = makeServiceAccount(`http://127.0.0.1:${port}/token?secret=no`);
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: account.keyFile });
  await assert.rejects(inject(injector), (err: Error) => {
    assert.ok(err instanceof CredentialFetchError);
    assert.match(
      err.message,
      new RegExp(`could not reach the GCP token endpoint http://127\\.0\\.0\\.1:${port}/token:`),
    );
    assert.ok(!err.message.includes("secret=no"), "the query is not shown");
    return true;
  });
});

test("a 200 without a usable access_token or expires_in is a CredentialFetchError", async () => {
  const injector = privateInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  for (const body of [
    {},
    { access_token: "" },
    { access_token: 42 },
    { access_token: "ya29.ok\r\nx-injected: 1", expires_in: 3600 },
    { access_token: "ya29.caf\u00e9", expires_in: 3600 },
  ]) {
    fake.answerNext(200, body);
    await assert.rejects(inject(injector), /answered without a usable access_token/, JSON.stringify(body));
  }
  fake.answerNext(200, { access_token: "ya29.fine", expires_in: -5 });
  await assert.rejects(inject(injector), /answered an invalid expires_in/);
});

test("unusable key files fail at configuration time without showing the key", () => {
  const good = JSON.parse(fake.account.keyFile) as Record<string, unknown>;
  const cases: [string, RegExp][] = [
    ["not json", /not a JSON object/],
    [JSON.stringify({ ...good, private_key: undefined }), /needs client_email and private_key/],
    [JSON.stringify({ ...good, client_email: "" }), /needs client_email and private_key/],
    [
      JSON.stringify({
        ...good,
        private_key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
      }),
      /not a PEM key/,
    ],
    [JSON.stringify({ ...good, type: "authorized_user" }), /only "service_account"/],
    [JSON.stringify({ ...good, token_uri: "file:///etc/passwd" }), /not http\(s\)/],
  ];
  for (const [keyFile, message] of cases) {
    assert.throws(
      () => privateInjector({ ...LOCATION, serviceAccountKey: keyFile }),
      (err: Error) => {
        assert.ok(err instanceof InvalidGcpCredentialsFileError, keyFile.slice(0, 40));
        assert.match(err.message, message);
        assert.ok(!err.message.includes("PRIVATE KEY"));
        return true;
      },
    );
  }
});

test("injectors of one key file share its token, as a configuration reload does; another key gets its own", async () => {
  const a = createGcpCredentialInjector({ ...LOCATION, serviceAccountKey: fake.account.keyFile });
  const first = await inject(a);
  const issued = fake.issued.length;
  const reloaded = createGcpCredentialInjector({
    ...LOCATION,
    region: "europe-west4",
    serviceAccountKey: fake.account.keyFile,
  });
  const req = outgoing();
  assert.equal(reloaded.inject(req), undefined, "the shared token is at hand: no promise");
  assert.equal(req.headers.authorization, first.headers.authorization);
  assert.equal(
    req.path,
    `/v1/projects/policy-project/locations/europe-west4${PATH}`,
    "each policy's own location",
  );
  assert.equal(fake.issued.length, issued);
  // Another key does not get this token: it exchanges its own (which the fake, knowing only its own
  // account, refuses).
  const other = createGcpCredentialInjector({
    ...LOCATION,
    serviceAccountKey: makeServiceAccount(fake.tokenUri).keyFile,
  });
  await assert.rejects(inject(other), CredentialFetchError);
});

test("with credentialOverride, a client's own access token is sent instead, and the header is not forwarded", async () => {
  const injector = privateInjector({
    ...LOCATION,
    serviceAccountKey: fake.account.keyFile,
    overrideEnabled: true,
    fallbackToConfigured: false,
  });
  assert.deepEqual(injector.overrideHeaders, ["x-aigw-gcp-access-token"]);
  const req = outgoing();
  req.clientHeaders["x-aigw-gcp-access-token"] = "ya29.client-own";
  assert.equal(injector.inject(req), undefined);
  assert.equal(req.headers.authorization, "Bearer ya29.client-own");
  assert.equal(req.path, `/v1/projects/policy-project/locations/us-east5${PATH}`);
  assert.throws(() => injector.inject(outgoing()), MissingCredentialError, "no fallback without the header");
  const bad = outgoing();
  bad.clientHeaders["x-aigw-gcp-access-token"] = "ya29.\u00e9t\u00e9";
  assert.throws(() => injector.inject(bad), MissingCredentialError, "a token that cannot be a header value");
  const fallback = privateInjector({
    ...LOCATION,
    serviceAccountKey: fake.account.keyFile,
    overrideEnabled: true,
    overrideHeader: "X-My-Token",
  });
  assert.deepEqual(fallback.overrideHeaders, ["x-my-token"]);
  const configured = await inject(fallback);
  assert.equal(configured.headers.authorization, `Bearer ${(fake.issued.at(-1) as { value: string }).value}`);
});

test("a policy without a usable key file answers 'not supported' at request time", () => {
  const injector = privateInjector({
    ...LOCATION,
    serviceAccountKey: undefined,
    unsupportedReason: "workloadIdentityFederationConfig is not supported by aigw yet; use credentialsFile",
  });
  assert.throws(
    () => injector.inject(outgoing()),
    (err: Error) => {
      assert.ok(err instanceof UnsupportedCredentialError);
      assert.match(err.message, /workloadIdentityFederationConfig is not supported/);
      return true;
    },
  );
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

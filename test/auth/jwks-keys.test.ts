import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { localJwks, REMOTE_JWKS_DEFAULTS, RemoteJwks } from "../../src/auth/jwks-keys.js";
import { compileJwtAuth } from "../../src/auth/jwt-auth.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import { type JwksServer, startJwksServer } from "../support/jwks-server.js";
import { type SigningKey, signingKey, signToken, TEST_ISSUER } from "../support/jwt-issuer.js";
import { authRequest } from "./auth-request.js";

/**
 * Remote key sets against a real JWKS endpoint: fetched lazily, cached for cacheDuration, fetched
 * again for an unknown kid at most once per cooldown, held off after a failure; a refresh that
 * drops a key makes tokens of that key be verified again, and refused.
 */

let server: JwksServer;
let k1: SigningKey;
let k2: SigningKey;
let stranger: SigningKey;

before(async () => {
  k1 = await signingKey("k1");
  k2 = await signingKey("k2");
  // Generated here, not inside a timed cooldown window: key generation is slow on a busy machine.
  stranger = await signingKey("k3");
  server = await startJwksServer([k1]);
});
after(() => server.close());

function remote(options: Partial<ConstructorParameters<typeof RemoteJwks>[1]> = {}) {
  const failures: string[] = [];
  const keys = new RemoteJwks(server.uri, {
    ...REMOTE_JWKS_DEFAULTS,
    onFetchFailure: (reason) => failures.push(reason),
    ...options,
  });
  const auth = compileJwtAuth({ providers: [{ name: "idp", issuer: TEST_ISSUER }] }, () => keys);
  return { keys, auth, failures };
}

const bearer = (token: string) => authRequest({ authorization: `Bearer ${token}` });

async function outcome(auth: ReturnType<typeof remote>["auth"], token: string): Promise<string> {
  try {
    const result = await auth.authenticate(bearer(token));
    return result ? `ok ${result.identity.consumer}` : "none";
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return err.message;
  }
}

test("keys are fetched on first use, then served from the cache", async () => {
  server.setKeys([k1]);
  const before = server.fetches;
  const { auth } = remote();
  assert.equal(server.fetches, before, "nothing is fetched at compile time");
  assert.equal(await outcome(auth, await signToken(k1, { sub: "a" })), "ok a");
  assert.equal(await outcome(auth, await signToken(k1, { sub: "b" })), "ok b");
  assert.equal(server.fetches, before + 1);
});

test("an unknown kid fetches again once per cooldown: a rotated-in key is picked up, a second unknown kid in the window is not fetched for", async () => {
  server.setKeys([k1]);
  // The cooldown is wide enough that the checks meant to fall inside it do on a slow machine.
  const { auth, keys } = remote({ cooldownMs: 1000 });
  assert.equal(await outcome(auth, await signToken(k1, { sub: "a" })), "ok a");
  const fetched = server.fetches;
  server.setKeys([k1, k2]);
  // Within the cooldown of the first fetch: refused without a fetch.
  assert.equal(
    await outcome(auth, await signToken(k2, { sub: "b" })),
    "Jwks doesn't have key to match kid or alg from Jwt",
  );
  assert.equal(server.fetches, fetched);
  await sleep(1050);
  const strangerToken = await signToken(stranger);
  assert.equal(await outcome(auth, await signToken(k2, { sub: "b" })), "ok b");
  assert.equal(server.fetches, fetched + 1);
  assert.equal(keys.generation, 2);
  for (let i = 0; i < 3; i++) {
    assert.equal(await outcome(auth, strangerToken), "Jwks doesn't have key to match kid or alg from Jwt");
  }
  assert.equal(server.fetches, fetched + 1, "no fetch for an unknown kid within the cooldown");
});

test("keys older than cacheDuration are fetched again; a key removed then makes its verified tokens fail", async () => {
  server.setKeys([k1, k2]);
  const { auth, keys } = remote({ cacheDurationMs: 200, cooldownMs: 0 });
  const old = await signToken(k1, { sub: "old" });
  assert.equal(await outcome(auth, old), "ok old");
  assert.ok(
    !(auth.authenticate(bearer(old)) instanceof Promise),
    "a verified token is served from the cache",
  );
  server.setKeys([k2]);
  await sleep(250);
  // The reuse finds the keys stale and starts a refresh in the background; the token still passes.
  assert.equal(await outcome(auth, old), "ok old");
  await waitFor(() => keys.generation === 2);
  assert.equal(await outcome(auth, old), "Jwks doesn't have key to match kid or alg from Jwt");
  assert.equal(await outcome(auth, await signToken(k2, { sub: "new" })), "ok new");
});

test("a failed fetch is reported and not repeated before failedRefetchDuration; then the keys are fetched again", async () => {
  server.setKeys([k1]);
  server.failWith(503);
  const { auth, failures } = remote({ failedRefetchMs: 300 });
  const token = await signToken(k1, { sub: "a" });
  const fetched = server.fetches;
  assert.equal(await outcome(auth, token), "Jwks remote fetch is failed");
  assert.equal(await outcome(auth, token), "Jwks remote fetch is failed");
  assert.equal(server.fetches, fetched + 1, "no second fetch right after a failure");
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /fetching http:\/\/127\.0\.0\.1:\d+\/jwks\.json failed: HTTP 503/);
  server.failWith(undefined);
  await sleep(350);
  assert.equal(await outcome(auth, token), "ok a");
});

test("an unreachable key set is a 401 Jwks remote fetch is failed, never a 500", async () => {
  const keys = new RemoteJwks("http://127.0.0.1:1/jwks.json", {
    ...REMOTE_JWKS_DEFAULTS,
    onFetchFailure: () => {},
  });
  const auth = compileJwtAuth({ providers: [{ name: "idp" }] }, () => keys);
  const result = await outcome(auth, await signToken(k1));
  assert.equal(result, "Jwks remote fetch is failed");
});

test("localJWKS text that is not a key set is refused with the reason", () => {
  assert.throws(() => localJwks("{"), /not JSON/);
  assert.throws(() => localJwks('{"keys": 1}'), /not a JSON Web Key Set/);
  assert.doesNotThrow(() => localJwks('{"keys": []}'));
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(10);
  }
}

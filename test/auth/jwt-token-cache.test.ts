import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { AuthRequest } from "../../src/auth/auth-policy.js";
import type { JwksKeys } from "../../src/auth/jwks-keys.js";
import { localJwks } from "../../src/auth/jwks-keys.js";
import { compileJwtAuth, type JwtAuthenticator } from "../../src/auth/jwt-auth.js";
import type { JwtProviderSpec } from "../../src/auth/security-policy-spec.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import {
  jwksJson,
  nowSeconds,
  type SigningKey,
  signingKey,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
} from "../support/jwt-issuer.js";
import { authRequest } from "./auth-request.js";

/**
 * The JWT authenticator's cache of verified tokens is exactly as strict as verifying each time: a
 * cached token is answered (synchronously) only while a fresh verification would accept it with
 * the same provider, and everything else is verified again.
 */

let rsa: SigningKey;
let spare: SigningKey;

before(async () => {
  rsa = await signingKey("rsa-1");
  spare = await signingKey("spare");
});

function provider(extra: Partial<JwtProviderSpec> = {}): JwtProviderSpec {
  return { name: "idp", issuer: TEST_ISSUER, audiences: [TEST_AUDIENCE], localJWKS: {}, ...extra };
}

const bearer = (token: string) => authRequest({ authorization: `Bearer ${token}` });

/** A key set a test replaces, as a JWKS refresh would; it counts the keys it hands out. */
class SwappableKeys implements JwksKeys {
  generation = 0;
  resolved = 0;
  protected set: JWTVerifyGetKey;

  constructor(keys: readonly SigningKey[]) {
    this.set = createLocalJWKSet(JSON.parse(jwksJson(keys)) as JSONWebKeySet);
  }

  readonly resolve: JWTVerifyGetKey = (header, token) => {
    this.resolved++;
    return this.set(header, token);
  };

  protected current: JWTVerifyGetKey = (header, token) => this.set(header, token);

  generationOf(): number | undefined {
    return this.generation;
  }

  refreshIfStale(): void {}

  swap(keys: readonly SigningKey[]): void {
    this.set = createLocalJWKSet(JSON.parse(jwksJson(keys)) as JSONWebKeySet);
    this.generation++;
  }
}

interface Outcome {
  /** "provider sub", or the refusal's message. */
  readonly result: string;
  /** Answered without waiting: from the cache. */
  readonly cached: boolean;
}

async function outcome(auth: JwtAuthenticator, request: AuthRequest): Promise<Outcome> {
  let answer: ReturnType<JwtAuthenticator["authenticate"]>;
  try {
    answer = auth.authenticate(request);
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return { result: err.message, cached: true };
  }
  const cached = !(answer instanceof Promise);
  try {
    const verified = await answer;
    return { result: verified ? `${verified.provider.name} ${verified.identity.consumer}` : "none", cached };
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return { result: err.message, cached };
  }
}

/** What an authenticator that has never seen the token answers: the cache's reference. */
async function fresh(providers: JwtProviderSpec[], keys: readonly SigningKey[], request: AuthRequest) {
  const set = jwksJson(keys);
  return (
    await outcome(
      compileJwtAuth({ providers }, () => localJwks(set)),
      request,
    )
  ).result;
}

test("around exp and nbf, a cached token is answered exactly as verifying it again would be", async (t) => {
  const now = nowSeconds();
  // Fractional times too: jose compares them with the current second rounded down.
  const cases = [
    { exp: now + 5 },
    { exp: now + 5.5 },
    { nbf: now - 30, exp: now + 3600 },
    { nbf: now - 0.5, exp: now + 3600 },
  ];
  for (const claims of cases) {
    const token = await signToken(rsa, { sub: "timed", ...claims });
    const auth = compileJwtAuth({ providers: [provider()] }, () => localJwks(jwksJson([rsa])));
    assert.equal((await outcome(auth, bearer(token))).result, "idp timed");
    // Seconds around exp + 60 (the clock skew), and back before nbf - 60 (a clock set back).
    const edges = [
      ...(claims.exp
        ? [claims.exp + 59, claims.exp + 59.9, claims.exp + 60, claims.exp + 60.7, claims.exp + 61]
        : []),
      ...(claims.nbf ? [claims.nbf - 61, claims.nbf - 60.5, claims.nbf - 60, claims.nbf - 59.2] : []),
    ];
    for (const at of edges) {
      t.mock.timers.enable({ apis: ["Date"], now: Math.round(at * 1000) });
      const expected = await fresh([provider()], [rsa], bearer(token));
      assert.equal(
        (await outcome(auth, bearer(token))).result,
        expected,
        `${JSON.stringify(claims)} at ${at}`,
      );
      t.mock.timers.reset();
    }
  }
});

test("an expired cached token is refused, and verified again on every later try", async (t) => {
  const now = nowSeconds();
  const token = await signToken(rsa, { exp: now + 5 });
  const keys = new SwappableKeys([rsa]);
  const auth = compileJwtAuth({ providers: [provider()] }, () => keys);
  await outcome(auth, bearer(token));
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp undefined", cached: true });
  t.mock.timers.enable({ apis: ["Date"], now: (now + 5 + 61) * 1000 });
  const resolved = keys.resolved;
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "Jwt is expired", cached: false });
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "Jwt is expired", cached: false });
  assert.equal(keys.resolved, resolved + 2);
});

test("new keys for the provider (a JWKS refresh) drop its cached tokens: one of a removed key is refused", async () => {
  const keys = new SwappableKeys([rsa]);
  const auth = compileJwtAuth({ providers: [provider()] }, () => keys);
  const token = await signToken(rsa, { sub: "rotated" });
  await outcome(auth, bearer(token));
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp rotated", cached: true });
  keys.swap([spare]);
  assert.deepEqual(await outcome(auth, bearer(token)), {
    result: "Jwks doesn't have key to match kid or alg from Jwt",
    cached: false,
  });
  keys.swap([rsa, spare]);
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp rotated", cached: false });
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp rotated", cached: true });
});

test("a key handed out without a stamp while new keys arrive dates the entry by the keys before: verified again", async () => {
  // jose's fallback over several keys without a `kid` hands keys out itself, unstamped; a fetch
  // that completes meanwhile must not make the entry look as new as the keys now held.
  class FetchMidway extends SwappableKeys {
    override readonly resolve: JWTVerifyGetKey = (header, token) => {
      this.resolved++;
      this.generation++;
      return this.current(header, token);
    };
    override generationOf(): undefined {
      return undefined;
    }
  }
  const keys = new FetchMidway([rsa]);
  const auth = compileJwtAuth({ providers: [provider()] }, () => keys);
  const token = await signToken(rsa, { sub: "midway" });
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp midway", cached: false });
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp midway", cached: false });
  assert.equal(keys.resolved, 2);
});

test("new keys for a provider tried first make a token another provider verified be verified again", async () => {
  // Both read the Authorization header for one issuer: the first that verifies a token is its provider.
  const first = new SwappableKeys([spare]);
  const second = new SwappableKeys([rsa]);
  const auth = compileJwtAuth(
    { providers: [provider({ name: "first" }), provider({ name: "second" })] },
    (_p, i) => (i === 0 ? first : second),
  );
  const token = await signToken(rsa, { sub: "both" });
  assert.equal((await outcome(auth, bearer(token))).result, "second both");
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "second both", cached: true });
  first.swap([spare, rsa]);
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "first both", cached: false });
});

test("a token cached where one provider read it is verified again where others read it first", async () => {
  const auth = compileJwtAuth(
    {
      providers: [
        provider({ name: "header-only" }),
        provider({
          name: "header-or-cookie",
          extractFrom: { headers: [{ name: "authorization", valuePrefix: "Bearer " }], cookies: ["jwt"] },
        }),
      ],
    },
    () => localJwks(jwksJson([rsa])),
  );
  const token = await signToken(rsa, { sub: "moved" });
  const inCookie = authRequest({ cookie: `jwt=${token}` });
  assert.equal((await outcome(auth, inCookie)).result, "header-or-cookie moved");
  assert.deepEqual(await outcome(auth, inCookie), { result: "header-or-cookie moved", cached: true });
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "header-only moved", cached: false });
});

test("a token one policy verified is not thereby valid for another policy's providers", async () => {
  const mine = compileJwtAuth({ providers: [provider()] }, () => localJwks(jwksJson([rsa])));
  const theirs = compileJwtAuth({ providers: [provider()] }, () => localJwks(jwksJson([spare])));
  const token = await signToken(rsa, { sub: "mine" });
  await outcome(mine, bearer(token));
  assert.deepEqual(await outcome(mine, bearer(token)), { result: "idp mine", cached: true });
  assert.deepEqual(await outcome(theirs, bearer(token)), {
    result: "Jwks doesn't have key to match kid or alg from Jwt",
    cached: false,
  });
});

test("refusals are never cached, and a token that ends like a cached one is not taken for it", async () => {
  const keys = new SwappableKeys([rsa]);
  const auth = compileJwtAuth({ providers: [provider()] }, () => keys);
  const token = await signToken(rsa, { sub: "real" });
  await outcome(auth, bearer(token));
  // The same signature under another payload: the end of the token, which keys its entry, is the same.
  const [header, , signature] = token.split(".");
  const payload = Buffer.from(
    JSON.stringify({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: "forged" }),
  ).toString("base64url");
  const forged = `${header}.${payload}.${signature}`;
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(await outcome(auth, bearer(forged)), {
      result: "Jwt verification fails",
      cached: false,
    });
  }
  assert.deepEqual(await outcome(auth, bearer(token)), { result: "idp real", cached: true });
});

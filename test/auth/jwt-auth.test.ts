import assert from "node:assert/strict";
import { before, test } from "node:test";
import { localJwks } from "../../src/auth/jwks-keys.js";
import { compileJwtAuth, type VerifiedToken } from "../../src/auth/jwt-auth.js";
import type { JwtProviderSpec, JwtSpec } from "../../src/auth/security-policy-spec.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import {
  hs256WithPublicKey,
  jwksJson,
  nowSeconds,
  type SigningKey,
  signingKey,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  tamperedSignature,
  unsignedToken,
} from "../support/jwt-issuer.js";
import { authRequest } from "./auth-request.js";

/**
 * The JWT authenticator against keys given inline (localJWKS): every refusal Envoy's jwt_authn
 * filter makes, in its words, and what a verified token yields. Remote key sets are
 * jwks-keys.test.ts's subject.
 */

let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;

before(async () => {
  rsa = await signingKey("rsa-1");
  ec = await signingKey("ec-1", "ES256");
  stranger = await signingKey("stranger");
});

function provider(extra: Partial<JwtProviderSpec> = {}): JwtProviderSpec {
  return { name: "idp", issuer: TEST_ISSUER, audiences: [TEST_AUDIENCE], localJWKS: {}, ...extra };
}

/** A JWT authenticator whose providers all verify with `keys`. */
function jwtAuth(spec: JwtSpec, keys: () => SigningKey[] = () => [rsa, ec]) {
  const set = jwksJson(keys());
  return compileJwtAuth(spec, () => localJwks(set));
}

const bearer = (token: string) => authRequest({ authorization: `Bearer ${token}` });

async function verified(
  auth: ReturnType<typeof jwtAuth>,
  request: ReturnType<typeof authRequest>,
): Promise<VerifiedToken> {
  const result = await auth.authenticate(request);
  assert.ok(result, "expected a verified token");
  return result;
}

async function refusedWith(
  auth: ReturnType<typeof jwtAuth>,
  request: ReturnType<typeof authRequest>,
  status: number,
  message: string,
): Promise<GatewayError> {
  try {
    await auth.authenticate(request);
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected "${message}"`);
}

test("a valid RS256 or ES256 token is verified: the consumer is its sub, claimToHeaders give its headers", async () => {
  const auth = jwtAuth({
    providers: [
      provider({
        claimToHeaders: [
          { header: "X-User", claim: "sub" },
          { header: "x-tenant-id", claim: "org.tenant" },
          { header: "x-level", claim: "level" },
          { header: "x-admin", claim: "admin" },
          { header: "x-groups", claim: "groups" },
          { header: "x-missing", claim: "nope" },
        ],
      }),
    ],
  });
  for (const key of [rsa, ec]) {
    const token = await signToken(key, {
      sub: "user-1",
      org: { tenant: "acme" },
      level: 3,
      admin: false,
      groups: ["a"],
    });
    const result = await verified(auth, bearer(token));
    assert.equal(result.identity.consumer, "user-1");
    assert.equal(result.provider.name, "idp");
    assert.deepEqual(result.headers, [
      ["x-user", "user-1"],
      ["x-tenant-id", "acme"],
      ["x-level", "3"],
      ["x-admin", "false"],
    ]);
  }
  assert.deepEqual(auth.produces, ["x-user", "x-tenant-id", "x-level", "x-admin", "x-groups", "x-missing"]);
});

test("a token seen before is answered from the cache, synchronously, without verifying again", async () => {
  const auth = jwtAuth({ providers: [provider()] });
  const token = await signToken(rsa, { sub: "cached" });
  const first = auth.authenticate(bearer(token));
  assert.ok(first instanceof Promise, "a new token is verified asynchronously");
  const entry = await first;
  const again = auth.authenticate(bearer(token));
  assert.ok(!(again instanceof Promise), "a verified token is answered synchronously");
  assert.equal(again, entry);
});

test("refusals in Envoy's words: expired, not yet valid, wrong issuer, wrong audience (403), bad signature", async () => {
  const auth = jwtAuth({ providers: [provider()] });
  const now = nowSeconds();
  await refusedWith(auth, bearer(await signToken(rsa, { exp: now - 120 })), 401, "Jwt is expired");
  await refusedWith(auth, bearer(await signToken(rsa, { nbf: now + 600 })), 401, "Jwt not yet valid");
  await refusedWith(
    auth,
    bearer(await signToken(rsa, { iss: "https://elsewhere.test" })),
    401,
    "Jwt issuer is not configured",
  );
  const audience = await refusedWith(
    auth,
    bearer(await signToken(rsa, { aud: "someone-else" })),
    403,
    "Audiences in Jwt are not allowed",
  );
  assert.equal(audience.logCode, "forbidden");
  assert.match(audience.headers?.["www-authenticate"] ?? "", /error="invalid_token"/);
  await refusedWith(auth, bearer(tamperedSignature(await signToken(rsa))), 401, "Jwt verification fails");
  await refusedWith(
    auth,
    bearer(await signToken(stranger, {}, { kid: rsa.kid })),
    401,
    "Jwt verification fails",
  );
});

test("within the 60 s clock skew Envoy allows, a just-expired or almost-valid token still passes", async () => {
  const auth = jwtAuth({ providers: [provider()] });
  const now = nowSeconds();
  await verified(auth, bearer(await signToken(rsa, { exp: now - 30 })));
  await verified(auth, bearer(await signToken(rsa, { nbf: now + 30 })));
});

test("alg none, HS256 over the RSA public key, an unknown kid and malformed tokens are refused", async () => {
  const auth = jwtAuth({ providers: [provider()] });
  await refusedWith(auth, bearer(unsignedToken({ sub: "x" })), 401, "Jwt header [alg] is not supported");
  await refusedWith(
    auth,
    bearer(await hs256WithPublicKey(rsa, { sub: "forged" })),
    401,
    "Jwt header [alg] is not supported",
  );
  await refusedWith(
    auth,
    bearer(await signToken(stranger)),
    401,
    "Jwks doesn't have key to match kid or alg from Jwt",
  );
  const badFormat = "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
  await refusedWith(auth, bearer("only.two"), 401, badFormat);
  await refusedWith(auth, bearer("%%%.e30.sig"), 401, "Jwt header is an invalid JSON");
  const header = Buffer.from(JSON.stringify({ alg: "RS256" })).toString("base64url");
  await refusedWith(auth, bearer(`${header}.bm90LWpzb24.sig`), 401, "Jwt payload is an invalid JSON");
  const noAlg = Buffer.from(JSON.stringify({ typ: "JWT" })).toString("base64url");
  await refusedWith(
    auth,
    bearer(`${noAlg}.e30.sig`),
    401,
    "Jwt header [alg] field is required and must be a string",
  );
});

test("no token: 401 Jwt is missing with a bare challenge, unless optional or failOpen", async () => {
  const required = jwtAuth({ providers: [provider()] });
  const missing = await refusedWith(required, authRequest({}), 401, "Jwt is missing");
  assert.equal(missing.headers?.["www-authenticate"], 'Bearer realm="http://gw.test/v1/chat/completions"');
  // A value without the Bearer prefix holds no token for the default location.
  await refusedWith(required, authRequest({ authorization: "Basic dXNlcg==" }), 401, "Jwt is missing");

  const optional = jwtAuth({ optional: true, providers: [provider()] });
  assert.equal(await optional.authenticate(authRequest({})), undefined);
  await refusedWith(
    optional,
    bearer("only.two"),
    401,
    "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
  );

  const failOpen = jwtAuth({ failOpen: true, providers: [provider()] });
  assert.equal(await failOpen.authenticate(authRequest({})), undefined);
  assert.equal(await failOpen.authenticate(bearer(await signToken(stranger))), undefined);
  assert.ok(await failOpen.authenticate(bearer(await signToken(rsa))));
});

test("the default locations are Authorization: Bearer and ?access_token=; extractFrom replaces them", async () => {
  const byDefault = jwtAuth({ providers: [provider()] });
  const token = await signToken(rsa, { sub: "q" });
  await verified(byDefault, authRequest({}, { url: `/v1/models?access_token=${token}` }));

  const custom = jwtAuth({
    providers: [
      provider({
        extractFrom: {
          headers: [{ name: "X-Token", valuePrefix: "Token " }],
          cookies: ["jwt"],
          params: ["t"],
        },
      }),
    ],
  });
  await verified(custom, authRequest({ "x-token": `Token ${token}` }));
  // The prefix may stand anywhere in the value, as Envoy's extractor finds it.
  await verified(custom, authRequest({ "x-token": `scheme=1, Token  ${token}` }));
  await verified(custom, authRequest({ cookie: `a=b; jwt=${token}` }));
  await verified(custom, authRequest({}, { url: `/x?t=${token}` }));
  await refusedWith(custom, bearer(token), 401, "Jwt is missing");
});

test("several providers: the token's issuer picks the one that verifies it; its name is the provider authorization sees", async () => {
  const other = await signingKey("other-1");
  const keysByProvider = [jwksJson([rsa]), jwksJson([other])];
  const auth = compileJwtAuth(
    {
      providers: [
        provider({ name: "first" }),
        provider({ name: "second", issuer: "https://second.test", audiences: [] }),
      ],
    },
    (_p, i) => localJwks(keysByProvider[i]!),
  );
  assert.equal((await verified(auth, bearer(await signToken(rsa)))).provider.name, "first");
  const second = await signToken(other, { iss: "https://second.test", aud: undefined });
  assert.equal((await verified(auth, bearer(second))).provider.name, "second");
  await refusedWith(
    auth,
    bearer(await signToken(other)),
    401,
    "Jwks doesn't have key to match kid or alg from Jwt",
  );
});

test("a token without kid is tried against every key of the set that could have signed it", async () => {
  const spare = await signingKey("spare");
  const auth = jwtAuth({ providers: [provider()] }, () => [spare, rsa]);
  const token = await signToken(rsa, { sub: "no-kid" }, { kid: undefined });
  assert.equal((await verified(auth, bearer(token))).identity.consumer, "no-kid");
});

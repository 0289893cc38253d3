import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from "jose";

/**
 * An identity provider's signing keys for tests: real key pairs, real signatures. Tokens are
 * signed here with `jose` and verified by the gateway against the public halves, which a test
 * serves from a JWKS endpoint (jwks-server.ts) or writes inline as `localJWKS`.
 */

export type SigningAlgorithm = "RS256" | "ES256";
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: PrivateKey;
  /** The public key as a JWK with `kid`, `alg` and `use`, as a JWKS lists it. */
  readonly publicJwk: JWK;
  /** The public key in PEM (SPKI), the "secret" of a key-confusion forgery. */
  readonly publicPem: string;
}

export async function signingKey(kid: string, alg: SigningAlgorithm = "RS256"): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** A key set's JSON, as a JWKS endpoint or `localJWKS.inline` carries it. */
export function jwksJson(keys: readonly SigningKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
}

export const TEST_ISSUER = "https://issuer.test";
export const TEST_AUDIENCE = "aigw-test";

/** Unix seconds now. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A token signed with `key`: issuer TEST_ISSUER, audience TEST_AUDIENCE, valid for an hour, unless
 * `claims` say otherwise (a claim set to undefined is left out); `header` overrides the
 * protected header (kid, alg).
 */
export function signToken(
  key: SigningKey,
  claims: JWTPayload = {},
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  const now = nowSeconds();
  const payload: JWTPayload = { iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 3600, ...claims };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token that claims `alg: none` and carries no signature. */
export function unsignedToken(claims: JWTPayload): string {
  return `${encode({ alg: "none", typ: "JWT" })}.${encode({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, ...claims })}.`;
}

/**
 * The key-confusion forgery: HS256 with the RSA public key's PEM as the HMAC secret, which a
 * verifier that takes `alg` from the token and the key from the JWKS would accept.
 */
export function hs256WithPublicKey(key: SigningKey, claims: JWTPayload): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 3600, ...claims })
    .setProtectedHeader({ alg: "HS256", kid: key.kid })
    .sign(new TextEncoder().encode(key.publicPem));
}

/** `token` with one character inside its signature changed. */
export function tamperedSignature(token: string): string {
  const at = token.length - 10;
  const changed = token[at] === "A" ? "B" : "A";
  return `${token.slice(0, at)}${changed}${token.slice(at + 1)}`;
}

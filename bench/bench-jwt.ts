import { exportJWK, generateKeyPair, SignJWT } from "jose";

/**
 * A bench-only RSA key pair, its public JWKS for `gateway-jwt.yaml` (as BENCH_JWKS) and a token
 * signed with it that outlives any run: what the JWT rows of `npm run bench` and compare-builds send.
 */
export async function benchJwt(): Promise<{ jwks: string; token: string }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" };
  const token = await new SignJWT({ tenant: "bench" })
    .setProtectedHeader({ alg: "RS256", kid: "bench" })
    .setIssuer("https://issuer.bench.example")
    .setAudience("aigw-bench")
    .setSubject("bench-user")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(privateKey);
  return { jwks: JSON.stringify({ keys: [jwk] }), token };
}

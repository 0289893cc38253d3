import { SignJWT } from "jose";
import type { ServiceAccountKey } from "./service-account-key.js";

/** The scope Vertex AI accepts. */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** How long the assertion claims to be valid; Google allows at most an hour. */
const ASSERTION_LIFETIME_S = 3600;

/**
 * The signed JWT of Google's OAuth 2.0 service-account flow (RFC 7523): RS256 with the file's key,
 * iss = sub = the service account, aud = the token endpoint it is sent to.
 */
export function signServiceAccountAssertion(key: ServiceAccountKey, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader(
      key.privateKeyId ? { alg: "RS256", typ: "JWT", kid: key.privateKeyId } : { alg: "RS256", typ: "JWT" },
    )
    .setIssuer(key.clientEmail)
    .setSubject(key.clientEmail)
    .setAudience(key.tokenUri)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .sign(key.privateKey);
}

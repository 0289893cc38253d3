import { CredentialFetchError } from "../credential-fetch-error.js";
import { isBearerTokenText } from "./bearer-token-text.js";
import { describeEndpoint, postForToken, refusal } from "./post-for-token.js";

/** An access token and when it stops being valid. */
export interface AccessToken {
  value: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The grant of RFC 7523 section 2.1: a signed JWT in exchange for an access token. */
const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const WHAT = "the GCP token endpoint";

/**
 * POSTs the assertion, form-encoded, to the token endpoint and reads the access token from its JSON
 * answer. Every failure is a CredentialFetchError naming the endpoint (without its query) and the
 * OAuth error code and description it gave; the assertion and any token stay out of messages.
 */
export async function exchangeAssertionForToken(
  tokenUri: string,
  assertion: string,
  nowMs: () => number,
): Promise<AccessToken> {
  const answer = await postForToken(WHAT, tokenUri, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
  });
  if (answer.status !== 200) throw refusal(WHAT, tokenUri, answer);
  return oauthAccessToken(WHAT, tokenUri, answer.json, nowMs);
}

/** Google's tokens last an hour; an answer without expires_in is taken to mean that. */
const DEFAULT_LIFETIME_S = 3600;

/** The access token of an OAuth token answer (`access_token`, `expires_in` seconds). */
export function oauthAccessToken(
  what: string,
  url: string,
  json: Record<string, unknown> | undefined,
  nowMs: () => number,
): AccessToken {
  const value = json?.access_token;
  if (!isBearerTokenText(value)) {
    throw new CredentialFetchError(`${what} ${describeEndpoint(url)} answered without a usable access_token`);
  }
  const lifetime = Number(json?.expires_in ?? DEFAULT_LIFETIME_S);
  if (!Number.isFinite(lifetime) || lifetime <= 0) {
    throw new CredentialFetchError(`${what} ${describeEndpoint(url)} answered an invalid expires_in`);
  }
  return { value, expiresAt: nowMs() + lifetime * 1000 };
}

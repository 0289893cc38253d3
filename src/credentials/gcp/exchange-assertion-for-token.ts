import { request } from "undici";
import { CredentialFetchError } from "../credential-fetch-error.js";

/** An access token and when it stops being valid. */
export interface AccessToken {
  value: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The grant of RFC 7523 section 2.1: a signed JWT in exchange for an access token. */
const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google's tokens last an hour; an answer without expires_in is taken to mean that. */
const DEFAULT_LIFETIME_S = 3600;
const TIMEOUT_MS = 10_000;
/** An error description is the endpoint's text: shown to clients, so kept short and printable. */
const MAX_DESCRIPTION = 200;

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
  const where = describeEndpoint(tokenUri);
  let status: number;
  let text: string;
  try {
    const res = await request(tokenUri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new CredentialFetchError(
      `could not reach the GCP token endpoint ${where}: ${(err as Error).message || (err as Error).name}`,
    );
  }
  const answer = parseObject(text);
  if (status !== 200) {
    throw new CredentialFetchError(`the GCP token endpoint ${where} answered ${status}${oauthError(answer)}`);
  }
  const value = answer?.access_token;
  if (typeof value !== "string" || value === "") {
    throw new CredentialFetchError(`the GCP token endpoint ${where} answered without an access_token`);
  }
  const lifetime = Number(answer?.expires_in ?? DEFAULT_LIFETIME_S);
  if (!Number.isFinite(lifetime) || lifetime <= 0) {
    throw new CredentialFetchError(`the GCP token endpoint ${where} answered an invalid expires_in`);
  }
  return { value, expiresAt: nowMs() + lifetime * 1000 };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** ": invalid_grant (Invalid JWT Signature.)" from an OAuth error answer, "" without one. */
function oauthError(answer: Record<string, unknown> | undefined): string {
  const code = printable(answer?.error);
  if (!code) return "";
  const description = printable(answer?.error_description);
  return description ? `: ${code} (${description})` : `: ${code}`;
}

function printable(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}...` : text || undefined;
}

function describeEndpoint(tokenUri: string): string {
  const url = new URL(tokenUri);
  return `${url.origin}${url.pathname}`;
}

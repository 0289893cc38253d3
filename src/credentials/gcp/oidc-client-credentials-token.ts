import { CredentialFetchError } from "../credential-fetch-error.js";
import { type AccessToken, oauthAccessToken } from "./exchange-assertion-for-token.js";
import { describeEndpoint, postForToken, refusal } from "./post-for-token.js";

/** oidcExchangeToken.oidc of a policy, with its Secrets resolved. */
export interface OidcClientSpec {
  issuer: string;
  /** provider.tokenEndpoint; discovered from the issuer when absent. */
  tokenEndpoint?: string;
  clientID: string;
  clientSecret: string;
  /** oidc.scopes; the provider's scopes_supported are added, as Envoy AI Gateway does. */
  scopes: readonly string[];
}

/**
 * An access token of the OIDC client itself (OAuth 2.0 client credentials grant, RFC 6749 4.4), the
 * subject token workload identity federation exchanges at Google's STS. The token endpoint comes
 * from the issuer's discovery document unless configured; the client authenticates with HTTP Basic
 * (RFC 6749 2.3.1).
 */
export async function oidcClientCredentialsToken(
  spec: OidcClientSpec,
  nowMs: () => number,
): Promise<AccessToken> {
  let tokenEndpoint = spec.tokenEndpoint;
  const scopes = new Set(spec.scopes);
  if (tokenEndpoint === undefined) {
    const discovered = await discover(spec.issuer);
    tokenEndpoint = discovered.tokenEndpoint;
    for (const scope of discovered.scopes) scopes.add(scope);
  }
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (scopes.size > 0) form.set("scope", [...scopes].join(" "));
  const basic = Buffer.from(
    `${encodeURIComponent(spec.clientID)}:${encodeURIComponent(spec.clientSecret)}`,
  ).toString("base64");
  const what = "the OIDC token endpoint";
  const answer = await postForToken(what, tokenEndpoint, {
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
    body: form.toString(),
  });
  if (answer.status !== 200) throw refusal(what, tokenEndpoint, answer);
  return oauthAccessToken(what, tokenEndpoint, answer.json, nowMs);
}

async function discover(issuer: string): Promise<{ tokenEndpoint: string; scopes: string[] }> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const what = "the OIDC discovery document";
  const answer = await postForToken(what, url, { method: "GET" });
  if (answer.status !== 200) throw refusal(what, url, answer);
  const tokenEndpoint = answer.json?.token_endpoint;
  if (typeof tokenEndpoint !== "string" || tokenEndpoint === "") {
    throw new CredentialFetchError(`${what} ${describeEndpoint(url)} names no token_endpoint`);
  }
  const supported = answer.json?.scopes_supported;
  const scopes = Array.isArray(supported) ? supported.filter((s): s is string => typeof s === "string") : [];
  return { tokenEndpoint, scopes };
}

import { CredentialFetchError } from "../credential-fetch-error.js";
import { isBearerTokenText } from "./bearer-token-text.js";
import { type AccessToken, oauthAccessToken } from "./exchange-assertion-for-token.js";
import { type OidcClientSpec, oidcClientCredentialsToken } from "./oidc-client-credentials-token.js";
import { describeEndpoint, postForToken, refusal } from "./post-for-token.js";
import { CLOUD_PLATFORM_SCOPE } from "./sign-service-account-assertion.js";

/** gcpCredentials.workloadIdentityFederationConfig with its Secrets resolved. */
export interface WorkloadIdentitySpec {
  /** The project number or id of the workload identity pool. */
  projectID: string;
  workloadIdentityPoolName: string;
  workloadIdentityProviderName: string;
  /** serviceAccountImpersonation.serviceAccountName: `<name>@<projectName>.iam.gserviceaccount.com`. */
  serviceAccountName?: string;
  /** gcpCredentials.projectName, the service account's project. */
  projectName: string;
  oidc: OidcClientSpec;
  /** Google's STS token endpoint (tests point it elsewhere). */
  stsUrl: string;
  /** Google's IAM credentials API base URL (tests point it elsewhere). */
  iamCredentialsUrl: string;
}

/**
 * A Vertex access token by workload identity federation, as Envoy AI Gateway's rotator obtains one:
 * 1. the OIDC client's own token (client credentials grant);
 * 2. exchanged at Google's STS (RFC 8693 token exchange) for a federated token of the pool's
 *    provider, audience `//iam.googleapis.com/projects/<projectID>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`;
 * 3. with serviceAccountImpersonation, that token buys the service account's access token from the
 *    IAM credentials API (generateAccessToken); without it, the federated token is used as it is.
 */
export async function workloadIdentityToken(
  spec: WorkloadIdentitySpec,
  nowMs: () => number,
): Promise<AccessToken> {
  const subject = await oidcClientCredentialsToken(spec.oidc, nowMs);
  const federated = await exchangeAtSts(spec, subject.value, nowMs);
  if (spec.serviceAccountName === undefined) return federated;
  return impersonate(spec, federated.value);
}

async function exchangeAtSts(
  spec: WorkloadIdentitySpec,
  subjectToken: string,
  nowMs: () => number,
): Promise<AccessToken> {
  const what = "Google's STS";
  const audience =
    `//iam.googleapis.com/projects/${spec.projectID}/locations/global/workloadIdentityPools/` +
    `${spec.workloadIdentityPoolName}/providers/${spec.workloadIdentityProviderName}`;
  const answer = await postForToken(what, spec.stsUrl, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grantType: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience,
      scope: CLOUD_PLATFORM_SCOPE,
      requestedTokenType: "urn:ietf:params:oauth:token-type:access_token",
      subjectToken,
      subjectTokenType: "urn:ietf:params:oauth:token-type:jwt",
    }),
  });
  if (answer.status !== 200) throw refusal(what, spec.stsUrl, answer);
  return oauthAccessToken(what, spec.stsUrl, answer.json, nowMs);
}

async function impersonate(spec: WorkloadIdentitySpec, federatedToken: string): Promise<AccessToken> {
  const what = "Google's IAM credentials API";
  const email = `${spec.serviceAccountName}@${spec.projectName}.iam.gserviceaccount.com`;
  const url = `${spec.iamCredentialsUrl.replace(/\/+$/, "")}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:generateAccessToken`;
  const answer = await postForToken(what, url, {
    headers: { "content-type": "application/json", authorization: `Bearer ${federatedToken}` },
    body: JSON.stringify({ scope: [CLOUD_PLATFORM_SCOPE] }),
  });
  if (answer.status !== 200) throw refusal(what, url, answer);
  const value = answer.json?.accessToken;
  const expiresAt = Date.parse(String(answer.json?.expireTime ?? ""));
  if (!isBearerTokenText(value) || !Number.isFinite(expiresAt)) {
    throw new CredentialFetchError(
      `${what} ${describeEndpoint(url)} answered without accessToken and expireTime`,
    );
  }
  return { value, expiresAt };
}

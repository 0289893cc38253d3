import { readFileSync } from "node:fs";
import type { ResourceIndex } from "../../config/resource-index.js";
import type { GcpCredentialSpec } from "./create-gcp-credential-injector.js";
import type { WorkloadIdentitySpec } from "./workload-identity-token.js";

/** Google's endpoints for workload identity federation; AIGW_GCP_STS_URL and AIGW_GCP_IAM_CREDENTIALS_URL replace them. */
const STS_URL = "https://sts.googleapis.com/v1/token";
const IAM_CREDENTIALS_URL = "https://iamcredentials.googleapis.com";

interface SecretRef {
  name?: string;
  namespace?: string;
}

interface GcpCredentialsField {
  projectName?: string;
  region?: string;
  credentialsFile?: { secretRef?: SecretRef };
  workloadIdentityFederationConfig?: {
    projectID?: string;
    workloadIdentityPoolName?: string;
    workloadIdentityProviderName?: string;
    serviceAccountImpersonation?: { serviceAccountName?: string };
    oidcExchangeToken?: {
      oidc?: {
        provider?: { issuer?: string; tokenEndpoint?: string };
        clientID?: string;
        clientIDRef?: SecretRef;
        clientSecret?: SecretRef;
        scopes?: string[];
      };
    };
  };
}

/**
 * A policy's gcpCredentials with its Secrets resolved, first source that applies:
 * 1. credentialsFile: the Secret's service_account.json;
 * 2. workloadIdentityFederationConfig: the OIDC client (client id, the Secret's client-secret);
 * 3. neither (v1beta1 allows that): the key file GOOGLE_APPLICATION_CREDENTIALS names.
 * Throws (a configuration error) for a Secret that is missing what the policy needs.
 */
export function readGcpCredentialSpec(
  value: unknown,
  namespace: string | undefined,
  index: ResourceIndex,
  env: Readonly<Record<string, string | undefined>>,
): GcpCredentialSpec {
  const gcp = (value ?? {}) as GcpCredentialsField;
  const base = { projectName: gcp.projectName ?? "", region: gcp.region ?? "" };
  const ref = gcp.credentialsFile?.secretRef;
  if (ref?.name) {
    const file = index.secret(ref.namespace ?? namespace, ref.name)?.["service_account.json"];
    return {
      ...base,
      serviceAccountKey: file,
      unsupportedReason: "the credentials Secret has no service_account.json",
    };
  }
  const federation = gcp.workloadIdentityFederationConfig;
  if (federation !== undefined) {
    return {
      ...base,
      serviceAccountKey: undefined,
      workloadIdentity: readWorkloadIdentity(federation, base.projectName, namespace, index, env),
    };
  }
  const path = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!path) {
    return {
      ...base,
      serviceAccountKey: undefined,
      unsupportedReason: "no credentialsFile is configured and GOOGLE_APPLICATION_CREDENTIALS is not set",
    };
  }
  try {
    return { ...base, serviceAccountKey: readFileSync(path, "utf8") };
  } catch (err) {
    throw new Error(
      `GOOGLE_APPLICATION_CREDENTIALS ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}

function readWorkloadIdentity(
  federation: NonNullable<GcpCredentialsField["workloadIdentityFederationConfig"]>,
  projectName: string,
  namespace: string | undefined,
  index: ResourceIndex,
  env: Readonly<Record<string, string | undefined>>,
): WorkloadIdentitySpec {
  const oidc = federation.oidcExchangeToken?.oidc ?? {};
  const secretValue = (secretRef: SecretRef | undefined, key: string): string => {
    const ns = secretRef?.namespace ?? namespace ?? "default";
    const found = secretRef?.name ? index.secret(ns, secretRef.name)?.[key]?.trim() : undefined;
    if (!found) throw new Error(`the OIDC client Secret ${ns}/${secretRef?.name ?? ""} has no ${key}`);
    return found;
  };
  return {
    projectID: federation.projectID ?? "",
    workloadIdentityPoolName: federation.workloadIdentityPoolName ?? "",
    workloadIdentityProviderName: federation.workloadIdentityProviderName ?? "",
    serviceAccountName: federation.serviceAccountImpersonation?.serviceAccountName,
    projectName,
    oidc: {
      issuer: oidc.provider?.issuer ?? "",
      tokenEndpoint: oidc.provider?.tokenEndpoint,
      clientID: oidc.clientID ?? secretValue(oidc.clientIDRef, "client-id"),
      clientSecret: secretValue(oidc.clientSecret, "client-secret"),
      scopes: oidc.scopes ?? [],
    },
    stsUrl: endpointOverride(env, "AIGW_GCP_STS_URL") ?? STS_URL,
    iamCredentialsUrl: endpointOverride(env, "AIGW_GCP_IAM_CREDENTIALS_URL") ?? IAM_CREDENTIALS_URL,
  };
}

/** An endpoint variable's http(s) URL, or undefined when unset; anything else fails the load, naming it. */
function endpointOverride(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`${name} must be an http(s) URL, not ${JSON.stringify(value)}`);
  }
  return value;
}

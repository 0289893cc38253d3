import { UnsupportedCredentialError } from "../compile-credentials.js";
import type { CredentialInjector, OutgoingRequest } from "../credential-injector.js";
import { AccessTokenCache } from "./access-token-cache.js";
import { type AccessToken, exchangeAssertionForToken } from "./exchange-assertion-for-token.js";
import { parseServiceAccountKey } from "./service-account-key.js";
import { signServiceAccountAssertion } from "./sign-service-account-assertion.js";
import { vertexPath } from "./vertex-path.js";
import { type WorkloadIdentitySpec, workloadIdentityToken } from "./workload-identity-token.js";

/** A BackendSecurityPolicy of type GCPCredentials, with its Secret already resolved. */
export interface GcpCredentialSpec {
  /** gcpCredentials.projectName: the Vertex project requests run in. */
  projectName: string;
  /** gcpCredentials.region: the Vertex location, e.g. "us-east5". */
  region: string;
  /**
   * The service-account key file (JSON): the Secret's `service_account.json`, or the file named by
   * GOOGLE_APPLICATION_CREDENTIALS when the policy gives no credential source. Undefined: none.
   */
  serviceAccountKey: string | undefined;
  /** workloadIdentityFederationConfig, resolved; used when there is no key file. */
  workloadIdentity?: WorkloadIdentitySpec;
  /** Why there is no credential source (workload identity federation configured, ...), told at request time. */
  unsupportedReason?: string;
}

export interface GcpInjectorOptions {
  /** The clock, epoch milliseconds (tests move it). */
  now?: () => number;
}

/**
 * Vertex AI credentials from a service-account key: a JWT signed with the key is exchanged at the
 * key file's own token_uri for an access token (as Google's Go and Python clients do); or, without a
 * key file, by workload identity federation (workloadIdentityToken). The token is cached per policy
 * and refreshed before it expires (see AccessTokenCache). Each request gets
 * `Authorization: Bearer <token>` and its path prefixed with /v1/projects/<project>/locations/<region>.
 * inject() is synchronous while a token is valid. Throws InvalidGcpCredentialsFileError at
 * configuration time for a key file that cannot be used.
 */
export function createGcpCredentialInjector(
  spec: GcpCredentialSpec,
  options: GcpInjectorOptions = {},
): CredentialInjector {
  const now = options.now ?? Date.now;
  const { projectName, region } = spec;
  let fetchToken: () => Promise<AccessToken>;
  if (spec.serviceAccountKey !== undefined) {
    const key = parseServiceAccountKey(spec.serviceAccountKey);
    fetchToken = async () =>
      exchangeAssertionForToken(key.tokenUri, await signServiceAccountAssertion(key, now()), now);
  } else if (spec.workloadIdentity !== undefined) {
    const federation = spec.workloadIdentity;
    fetchToken = () => workloadIdentityToken(federation, now);
  } else {
    const reason = spec.unsupportedReason ?? "no service account key file is configured";
    return {
      overrideHeaders: [],
      inject() {
        throw new UnsupportedCredentialError(`GCPCredentials: ${reason}`);
      },
    };
  }
  const tokens = new AccessTokenCache(fetchToken, now);
  const authorize = (req: OutgoingRequest, token: string): void => {
    req.headers.authorization = `Bearer ${token}`;
    req.path = vertexPath(projectName, region, req.path);
  };
  return {
    overrideHeaders: [],
    inject(req: OutgoingRequest): void | Promise<void> {
      const token = tokens.get();
      if (typeof token === "string") return authorize(req, token);
      return token.then((value) => authorize(req, value));
    },
  };
}

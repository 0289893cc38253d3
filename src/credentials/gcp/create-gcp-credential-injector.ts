import { createHash } from "node:crypto";
import { firstValue } from "../../util/first-value.js";
import { UnsupportedCredentialError } from "../compile-credentials.js";
import type { CredentialInjector, OutgoingRequest } from "../credential-injector.js";
import { MissingCredentialError } from "../missing-credential-error.js";
import { AccessTokenCache } from "./access-token-cache.js";
import { isBearerTokenText } from "./bearer-token-text.js";
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
  /** Why there is no credential source, told at request time. */
  unsupportedReason?: string;
  /** credentialOverride.fromRequestHeaders.header; default x-aigw-gcp-access-token. */
  overrideHeader?: string;
  /** credentialOverride.fromRequestHeaders is configured. */
  overrideEnabled?: boolean;
  /** Without the override header, use the configured credential (upstream default: true). */
  fallbackToConfigured?: boolean;
}

export interface GcpInjectorOptions {
  /** The clock, epoch milliseconds (tests move it). */
  now?: () => number;
  /** Share the token with other injectors of the same credential, across reloads (default true). */
  shareTokens?: boolean;
}

const DEFAULT_OVERRIDE_HEADER = "x-aigw-gcp-access-token";

/**
 * Token caches by credential (a hash of the key file, or of the federation settings with the OIDC
 * client secret): a configuration reload that keeps a policy keeps its token instead of fetching
 * another one, and two policies with one credential share it. Entries are small and there are as
 * many as distinct credentials ever configured.
 */
const sharedCaches = new Map<string, AccessTokenCache>();

/**
 * Vertex AI credentials from a service-account key: a JWT signed with the key is exchanged at the
 * key file's own token_uri for an access token (as Google's Go and Python clients do); or, without a
 * key file, by workload identity federation (workloadIdentityToken). The token is cached and
 * refreshed before it expires (see AccessTokenCache). Each request gets `Authorization: Bearer
 * <token>` and its path prefixed with /v1/projects/<project>/locations/<region>; with
 * credentialOverride, a client's own access token in the override header is sent instead (that
 * header never goes upstream). inject() is synchronous while a token is valid. Throws
 * InvalidGcpCredentialsFileError at configuration time for a key file that cannot be used.
 */
export function createGcpCredentialInjector(
  spec: GcpCredentialSpec,
  options: GcpInjectorOptions = {},
): CredentialInjector {
  const { projectName, region } = spec;
  const tokens = tokenSource(spec, options);
  const overrideHeader = spec.overrideEnabled
    ? (spec.overrideHeader ?? DEFAULT_OVERRIDE_HEADER).toLowerCase()
    : undefined;
  const fallback = spec.fallbackToConfigured ?? true;
  const authorize = (req: OutgoingRequest, token: string): void => {
    req.headers.authorization = `Bearer ${token}`;
    req.path = vertexPath(projectName, region, req.path);
  };
  return {
    overrideHeaders: overrideHeader ? [overrideHeader] : [],
    inject(req: OutgoingRequest): void | Promise<void> {
      if (overrideHeader) {
        const own = firstValue(req.clientHeaders[overrideHeader])?.trim();
        if (own) {
          // A token that cannot be a header value is no credential (and must not fail the dispatch).
          if (!isBearerTokenText(own)) throw new MissingCredentialError();
          return authorize(req, own);
        }
        if (!fallback) throw new MissingCredentialError();
      }
      const token = tokens();
      if (typeof token === "string") return authorize(req, token);
      return token.then((value) => authorize(req, value));
    },
  };
}

/** The configured credential's tokens: a string when one is valid, else a promise of a fresh one. */
function tokenSource(spec: GcpCredentialSpec, options: GcpInjectorOptions): () => string | Promise<string> {
  const now = options.now ?? Date.now;
  let fetchToken: () => Promise<AccessToken>;
  let identity: string;
  if (spec.serviceAccountKey !== undefined) {
    const key = parseServiceAccountKey(spec.serviceAccountKey);
    fetchToken = async () =>
      exchangeAssertionForToken(key.tokenUri, await signServiceAccountAssertion(key, now()), now);
    identity = `key:${spec.serviceAccountKey}`;
  } else if (spec.workloadIdentity !== undefined) {
    const federation = spec.workloadIdentity;
    fetchToken = () => workloadIdentityToken(federation, now);
    identity = `federation:${JSON.stringify(federation)}`;
  } else {
    const reason = spec.unsupportedReason ?? "no service account key file is configured";
    return () => {
      throw new UnsupportedCredentialError(`GCPCredentials: ${reason}`);
    };
  }
  if (options.shareTokens === false) {
    const own = new AccessTokenCache(fetchToken, now);
    return () => own.get();
  }
  const id = createHash("sha256").update(identity).digest("hex");
  let cache = sharedCaches.get(id);
  if (cache === undefined) {
    cache = new AccessTokenCache(fetchToken, now);
    sharedCaches.set(id, cache);
  }
  const shared = cache;
  return () => shared.get();
}

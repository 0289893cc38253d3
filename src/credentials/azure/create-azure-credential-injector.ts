import { createHash } from "node:crypto";
import { firstValue } from "../../util/first-value.js";
import type { CredentialInjector, OutgoingRequest } from "../credential-injector.js";
import { MissingCredentialError } from "../missing-credential-error.js";
import { azureAuthorityHost } from "./azure-authority-host.js";
import { EntraTokenCache } from "./entra-token-cache.js";
import { type EntraClientCredentials, type PostForm, requestEntraToken } from "./request-entra-token.js";

/** A BackendSecurityPolicy of type AzureCredentials, with its Secret resolved. */
export interface AzureCredentialSpec {
  tenantID: string;
  clientID: string;
  /** The Secret's `client-secret`; undefined when the policy has none (oidcExchangeToken, or a missing key). */
  clientSecret: string | undefined;
  /** credentialOverride.fromRequestHeaders.header; default x-aigw-azure-access-token. */
  overrideHeader?: string;
  overrideEnabled: boolean;
  fallbackToConfigured: boolean;
}

/** An AzureCredentials policy aigw cannot serve as written; a configuration error. */
export class InvalidAzureCredentialsError extends Error {
  override readonly name = "InvalidAzureCredentialsError";
}

const DEFAULT_OVERRIDE_HEADER = "x-aigw-azure-access-token";

/**
 * Token caches by authority, tenant, client and a hash of the secret: a configuration reload that
 * keeps a policy keeps its token, instead of asking Entra again for every reload.
 */
const caches = new Map<string, EntraTokenCache>();

/**
 * `Authorization: Bearer <Microsoft Entra token>` for Azure OpenAI backends, the token obtained with
 * the policy's client secret (OAuth2 client credentials, scope Cognitive Services) from the authority
 * AZURE_AUTHORITY_HOST names (default the public cloud) and cached until shortly before it expires
 * (entra-token-cache.ts). With credentialOverride.fromRequestHeaders the client may send its own
 * token in `x-aigw-azure-access-token` (or the header configured), which never reaches the upstream.
 * Throws InvalidAzureAuthorityError or InvalidAzureCredentialsError for what the configuration gets
 * wrong, so `aigw run` refuses to start (or a reload is refused) rather than fail every request.
 */
export function createAzureCredentialInjector(
  spec: AzureCredentialSpec,
  env: Readonly<Record<string, string | undefined>>,
  post?: PostForm,
): CredentialInjector {
  const authorityHost = azureAuthorityHost(env);
  if (spec.clientSecret === undefined || spec.clientSecret === "") {
    throw new InvalidAzureCredentialsError(
      "AzureCredentials: aigw needs clientSecretRef to a Secret with a non-empty client-secret (oidcExchangeToken is not supported by aigw run, as by the original's)",
    );
  }
  const credentials: EntraClientCredentials = {
    authorityHost,
    tenantID: spec.tenantID,
    clientID: spec.clientID,
    clientSecret: spec.clientSecret,
  };
  const cache = post
    ? new EntraTokenCache(() => requestEntraToken(credentials, post))
    : sharedCache(credentials);
  const overrideHeader = spec.overrideEnabled
    ? (spec.overrideHeader ?? DEFAULT_OVERRIDE_HEADER).toLowerCase()
    : undefined;
  return {
    overrideHeaders: overrideHeader ? [overrideHeader] : [],
    inject(req: OutgoingRequest): void | Promise<void> {
      if (overrideHeader) {
        const token = firstValue(req.clientHeaders[overrideHeader])?.trim();
        if (token) {
          req.headers.authorization = `Bearer ${token}`;
          return;
        }
        if (!spec.fallbackToConfigured) throw new MissingCredentialError();
      }
      const token = cache.token();
      if (typeof token === "string") {
        req.headers.authorization = `Bearer ${token}`;
        return;
      }
      return token.then((value) => {
        req.headers.authorization = `Bearer ${value}`;
      });
    },
  };
}

function sharedCache(credentials: EntraClientCredentials): EntraTokenCache {
  const secretHash = createHash("sha256").update(credentials.clientSecret).digest("base64url");
  const key = JSON.stringify([
    credentials.authorityHost,
    credentials.tenantID,
    credentials.clientID,
    secretHash,
  ]);
  let cache = caches.get(key);
  if (cache === undefined) {
    cache = new EntraTokenCache(() => requestEntraToken(credentials));
    caches.set(key, cache);
  }
  return cache;
}

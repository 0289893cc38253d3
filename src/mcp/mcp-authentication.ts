import type { IncomingMessage } from "node:http";
import { type ApiKeyClientMatch, compileApiKeyAuth } from "../auth/api-key-auth.js";
import { collectApiKeyClients } from "../auth/api-key-clients.js";
import type { AuthRequest } from "../auth/auth-policy.js";
import { authRequestOf } from "../auth/auth-request-of.js";
import { DiscoveredJwks } from "../auth/discovered-jwks.js";
import { REMOTE_JWKS_DEFAULTS } from "../auth/jwks-keys.js";
import { compileJwtAuth, type JwtAuthenticator, type VerifiedToken } from "../auth/jwt-auth.js";
import { JWT_MISSING } from "../auth/jwt-status.js";
import type { JwtProviderSpec } from "../auth/security-policy-spec.js";
import { credentialSecrets, providerJwks, remoteJwks } from "../config/compile-security-policies.js";
import type { Resource } from "../config/resource.js";
import type { ResourceIndex } from "../config/resource-index.js";
import { GatewayError } from "../gateway/gateway-error.js";
import { ANONYMOUS, type McpAccess, type McpCaller, type McpRefusal } from "./mcp-access.js";
import type { McpOAuthSpec, McpSecurityPolicySpec } from "./mcp-security-spec.js";
import type { OAuthChallenges } from "./protected-resource-metadata.js";

/** Upstream's name for the one JWT provider an MCPRoute's oauth becomes. */
const PROVIDER_NAME = "mcp-jwt-provider";

/**
 * Where the MCP authorization spec lets a client put its token: `Authorization: Bearer` only,
 * never the query string (Envoy's default `access_token` parameter is left out on purpose).
 */
const BEARER_HEADER_ONLY: JwtProviderSpec["extractFrom"] = {
  headers: [{ name: "authorization", valuePrefix: "Bearer " }],
};

export interface McpAuthentication {
  readonly authenticate: McpAccess["authenticate"];
  /** Every header name the credentials give upstream requests (claimToHeaders, the API key's). */
  readonly produces: readonly string[];
}

/**
 * `securityPolicy.oauth` and `apiKeyAuth`, compiled with the tenants' machinery (compileJwtAuth,
 * compileApiKeyAuth). Both configured, both must pass, as the Envoy Gateway SecurityPolicy upstream
 * generates from them has it; the subject is then the API key's client id. Neither: every caller is
 * anonymous. A refusal is a 401 whose challenge, with OAuth, names the protected resource metadata
 * (`error="invalid_token"` when a token was presented, whatever is wrong with it, the audience
 * included: the MCP authorization spec answers every invalid token with 401). Messages are the
 * fixed texts of the verifiers, never the credential.
 */
export function compileMcpAuthentication(
  route: Resource,
  policy: McpSecurityPolicySpec,
  index: ResourceIndex,
  challenges: OAuthChallenges | undefined,
  warn: (message: string) => void,
): McpAuthentication {
  const jwt = policy.oauth ? compileOAuth(route, policy.oauth, index, warn) : undefined;
  const apiKey = policy.apiKeyAuth
    ? compileApiKeyAuth(
        policy.apiKeyAuth,
        collectApiKeyClients(
          credentialSecrets(route, index, policy.apiKeyAuth, "spec.securityPolicy.apiKeyAuth"),
        ),
      )
    : undefined;
  const produces = [...new Set([...(apiKey?.produces ?? []), ...(jwt?.produces ?? [])])];
  if (!jwt && !apiKey) return { authenticate: () => ANONYMOUS, produces };
  const callers = new CallerCache();

  const refuse = (err: unknown, fromJwt: boolean): McpRefusal => {
    if (!(err instanceof GatewayError)) throw err;
    if (!challenges) return { status: err.status, message: err.message, headers: err.headers ?? {} };
    const presented = fromJwt && err.message !== JWT_MISSING.message;
    return {
      status: 401,
      message: err.message,
      headers: { "www-authenticate": presented ? challenges.invalid : challenges.missing },
    };
  };
  const withToken = (request: AuthRequest, client: ApiKeyClientMatch | undefined) => {
    if (!jwt) return callers.of(client, undefined);
    let token: ReturnType<JwtAuthenticator["authenticate"]>;
    try {
      token = jwt.authenticate(request);
    } catch (err) {
      return refuse(err, true);
    }
    if (token instanceof Promise) {
      return token.then(
        (verified) => callers.of(client, verified),
        (err: unknown) => refuse(err, true),
      );
    }
    return callers.of(client, token);
  };
  return {
    produces,
    authenticate(req: IncomingMessage) {
      const request = authRequestOf(req, undefined);
      let client: ApiKeyClientMatch | undefined;
      if (apiKey) {
        try {
          client = apiKey.identify(request);
        } catch (err) {
          return refuse(err, false);
        }
      }
      return withToken(request, client);
    },
  };
}

function compileOAuth(
  route: Resource,
  oauth: McpOAuthSpec,
  index: ResourceIndex,
  warn: (message: string) => void,
): JwtAuthenticator {
  if (!oauth.audiences || oauth.audiences.length === 0) {
    warn("spec.securityPolicy.oauth.audiences is empty: tokens issued for any audience are accepted");
  }
  const provider: JwtProviderSpec = {
    name: PROVIDER_NAME,
    // Upstream leaves the issuer out of the provider; aigw checks it, as the MCP spec's audience
    // binding presumes a token comes from the authorization server the metadata names.
    issuer: oauth.issuer,
    ...(oauth.audiences ? { audiences: oauth.audiences } : {}),
    ...(oauth.jwks?.remoteJWKS ? { remoteJWKS: oauth.jwks.remoteJWKS } : {}),
    ...(oauth.jwks?.localJWKS ? { localJWKS: oauth.jwks.localJWKS } : {}),
    ...(oauth.claimToHeaders ? { claimToHeaders: oauth.claimToHeaders } : {}),
    extractFrom: BEARER_HEADER_ONLY,
  };
  const onFetchFailure = (reason: string) => warn(`spec.securityPolicy.oauth: ${reason}`);
  return compileJwtAuth({ providers: [provider] }, () =>
    oauth.jwks
      ? providerJwks(route, provider, index, "spec.securityPolicy.oauth.jwks", onFetchFailure)
      : new DiscoveredJwks(
          oauth.issuer,
          {
            timeoutMs: REMOTE_JWKS_DEFAULTS.timeoutMs,
            failedRefetchMs: REMOTE_JWKS_DEFAULTS.failedRefetchMs,
            onFailure: onFetchFailure,
          },
          (uri) => remoteJwks({ uri }, onFetchFailure),
        ),
  );
}

/**
 * One frozen McpCaller per verified token (or API-key client), so a client that sends the same
 * credential again costs no allocation, and the CEL variables built for it can be reused.
 */
class CallerCache {
  private readonly byCredential = new WeakMap<object, McpCaller>();

  of(client: ApiKeyClientMatch | undefined, token: VerifiedToken | undefined): McpCaller {
    const key = client && token ? undefined : (client ?? token);
    const cached = key && this.byCredential.get(key);
    if (cached) return cached;
    const upstreamHeaders: Record<string, string> = {};
    // The token's headers come last: as in a SecurityPolicy, claimToHeaders win over the key's.
    for (const [name, value] of client?.headers ?? []) upstreamHeaders[name] = value;
    for (const [name, value] of token?.headers ?? []) upstreamHeaders[name] = value;
    const caller: McpCaller = Object.freeze({
      subject: client?.identity.consumer ?? token?.identity.consumer,
      scopes: token?.scopes ?? ANONYMOUS.scopes,
      claims: token?.claims ?? ANONYMOUS.claims,
      upstreamHeaders: Object.freeze(upstreamHeaders),
    });
    if (key) this.byCredential.set(key, caller);
    return caller;
  }
}

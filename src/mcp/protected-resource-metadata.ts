import type { McpOAuthSpec } from "./mcp-security-spec.js";

/** RFC 9728's well-known location, before which the route's path is inserted. */
export const PROTECTED_RESOURCE_WELL_KNOWN = "/.well-known/oauth-protected-resource";

/**
 * The URL a 401 or 403 challenge names in `resource_metadata`, as upstream builds it: the origin of
 * `protectedResourceMetadata.resource`, the well-known path, then the resource's own path (its
 * trailing slash dropped). The URL parser percent-encodes what would end the quoted string.
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}${resourceMetadataPath(url.pathname)}`;
}

/** The path the gateway serves the document at: the well-known path then the route's (`/mcp`). */
export function resourceMetadataPath(routePath: string): string {
  return `${PROTECTED_RESOURCE_WELL_KNOWN}${routePath === "/" ? "" : routePath.replace(/\/$/, "")}`;
}

/**
 * The RFC 9728 document, with the fields upstream writes: `resource`, `authorization_servers`
 * (the issuer), `bearer_methods_supported` (the header only: the MCP authorization spec forbids
 * tokens in the query string), and those of protectedResourceMetadata that are set.
 */
export function resourceMetadataDocument(oauth: McpOAuthSpec): Readonly<Record<string, unknown>> {
  const m = oauth.protectedResourceMetadata;
  const document: Record<string, unknown> = {
    resource: m.resource,
    authorization_servers: [oauth.issuer],
    bearer_methods_supported: ["header"],
  };
  if (m.resourceName) document.resource_name = m.resourceName;
  if (m.scopesSupported && m.scopesSupported.length > 0) document.scopes_supported = m.scopesSupported;
  if (m.resourceSigningAlgValuesSupported && m.resourceSigningAlgValuesSupported.length > 0) {
    document.resource_signing_alg_values_supported = m.resourceSigningAlgValuesSupported;
  }
  if (m.resourceDocumentation) document.resource_documentation = m.resourceDocumentation;
  if (m.resourcePolicyUri) document.resource_policy_uri = m.resourcePolicyUri;
  return Object.freeze(document);
}

/** The WWW-Authenticate values of one OAuth route, built once at configuration time. */
export interface OAuthChallenges {
  /** No token: where to learn how to get one, and the scopes basic use needs. */
  readonly missing: string;
  /** A token that is not valid here (signature, expiry, issuer, audience ...). */
  readonly invalid: string;
  /** A valid token without the scopes a call needs (step-up, SEP-835). */
  insufficientScope(scopes: readonly string[]): string;
}

export function oauthChallenges(oauth: McpOAuthSpec): OAuthChallenges {
  const metadata = `resource_metadata="${resourceMetadataUrl(oauth.protectedResourceMetadata.resource)}"`;
  const supported = oauth.protectedResourceMetadata.scopesSupported ?? [];
  const scope = supported.length > 0 ? `, scope="${supported.join(" ")}"` : "";
  return {
    missing: `Bearer ${metadata}${scope}`,
    invalid: `Bearer error="invalid_token", error_description="The access token is missing or invalid", ${metadata}${scope}`,
    insufficientScope: (scopes) =>
      `Bearer error="insufficient_scope", scope="${scopes.join(" ")}", ${metadata}, error_description="The token is missing required scopes"`,
  };
}

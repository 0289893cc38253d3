import type { Resource } from "../config/resource.js";
import { namespaceOf, type ResourceIndex } from "../config/resource-index.js";
import { ALLOW_ALL, type McpAccess } from "./mcp-access.js";
import { compileMcpAuthentication } from "./mcp-authentication.js";
import { compileMcpAuthorization } from "./mcp-authorization.js";
import { compileMcpBackendSelector } from "./mcp-backend-selector.js";
import type { McpBackendSelectorSpec, McpSecurityPolicySpec } from "./mcp-security-spec.js";
import {
  oauthChallenges,
  resourceMetadataDocument,
  resourceMetadataPath,
  resourceMetadataUrl,
} from "./protected-resource-metadata.js";

export interface McpAccessContext {
  /** Hears about what the configuration leaves open and about failed key fetches (at runtime too). */
  readonly warn: (message: string) => void;
}

/** The route's path when it names none (the CRD's default). */
const DEFAULT_ROUTE_PATH = "/mcp";

/**
 * One validated MCPRoute's `securityPolicy` and `backendSelector`, compiled once per configuration
 * snapshot: who the caller is (oauth, apiKeyAuth), which tools it may call (authorization), which
 * backends its sessions reach (backendSelector), and with OAuth the protected resource metadata
 * document and where it is served. A route with neither is ALLOW_ALL. Throws an Error naming the
 * route and field when the configuration cannot be compiled (a Secret or ConfigMap missing, a bad
 * key set, a CEL expression that is not a bool).
 */
export function compileMcpAccess(route: Resource, index: ResourceIndex, ctx: McpAccessContext): McpAccess {
  const spec = route.spec ?? {};
  const policy = spec.securityPolicy as (McpSecurityPolicySpec & { extAuth?: unknown }) | undefined;
  const selector = spec.backendSelector as McpBackendSelectorSpec | undefined;
  if (!policy && !selector) return ALLOW_ALL;
  const where = `MCPRoute ${namespaceOf(route)}/${route.metadata.name}`;
  const warn = (message: string) => ctx.warn(`${where}: ${message}`);
  try {
    if (policy?.extAuth !== undefined) {
      // Letting every caller in because the service that should decide is never asked would be
      // worse than refusing the configuration.
      throw new Error("spec.securityPolicy.extAuth: aigw does not call external authorization services");
    }
    const oauth = policy?.oauth;
    const challenges = oauth ? oauthChallenges(oauth) : undefined;
    const authentication = compileMcpAuthentication(route, policy ?? {}, index, challenges, warn);
    const access: McpAccess = {
      authenticate: authentication.authenticate,
      checkTool: compileMcpAuthorization(policy?.authorization, challenges, warn),
      backendAllowed: compileMcpBackendSelector(selector, warn),
      produces: authentication.produces,
      ...(oauth
        ? {
            resourceMetadata: Object.freeze({
              path: resourceMetadataPath((spec.path as string | undefined) ?? DEFAULT_ROUTE_PATH),
              document: resourceMetadataDocument(oauth),
            }),
          }
        : {}),
    };
    if (oauth && access.resourceMetadata) {
      const named = new URL(resourceMetadataUrl(oauth.protectedResourceMetadata.resource)).pathname;
      if (named !== access.resourceMetadata.path) {
        // Clients fetch the metadata where the challenges point, which upstream derives from
        // `resource`, while the gateway serves it under the route's path.
        warn(
          `spec.securityPolicy.oauth.protectedResourceMetadata.resource sends clients to ${named}, but the metadata is served at ${access.resourceMetadata.path} (the route's path)`,
        );
      }
    }
    return Object.freeze(access);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

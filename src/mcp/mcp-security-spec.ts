/**
 * The access parts of an MCPRoute spec (aigateway.envoyproxy.io/v1beta1) as validated YAML
 * (validate-mcp-route.ts): `securityPolicy` and `backendSelector`. Field names are the CRD's.
 */
import type { ApiKeyAuthSpec, AuthorizationAction, JwtProviderSpec } from "../auth/security-policy-spec.js";

export interface McpSecurityPolicySpec {
  oauth?: McpOAuthSpec;
  apiKeyAuth?: ApiKeyAuthSpec;
  authorization?: McpAuthorizationSpec;
}

export interface McpOAuthSpec {
  issuer: string;
  audiences?: string[];
  jwks?: {
    remoteJWKS?: JwtProviderSpec["remoteJWKS"];
    localJWKS?: JwtProviderSpec["localJWKS"];
  };
  protectedResourceMetadata: ProtectedResourceMetadataSpec;
  claimToHeaders?: { claim: string; header: string }[];
}

export interface ProtectedResourceMetadataSpec {
  resource: string;
  resourceName?: string;
  scopesSupported?: string[];
  resourceSigningAlgValuesSupported?: string[];
  resourceDocumentation?: string;
  resourcePolicyUri?: string;
}

export interface McpAuthorizationSpec {
  /** Deny when unset (the CRD's default). */
  defaultAction?: AuthorizationAction;
  rules?: McpAuthorizationRuleSpec[];
}

export interface McpAuthorizationRuleSpec {
  source?: { jwt: McpJwtSourceSpec };
  target?: { tools: { backend: string; tool: string }[] };
  cel?: string;
  /** Allow when unset (the CRD's default). */
  action?: AuthorizationAction;
}

export interface McpJwtSourceSpec {
  scopes?: string[];
  /** `valueType` String when unset (the CRD's default). */
  claims?: { name: string; valueType?: "String" | "StringArray"; values: string[] }[];
}

export interface McpBackendSelectorSpec {
  /** Deny when unset (the CRD's default). */
  defaultAction?: AuthorizationAction;
  rules?: { cel?: string; action?: AuthorizationAction }[];
}

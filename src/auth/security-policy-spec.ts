/**
 * The parts of Envoy Gateway's SecurityPolicy spec (gateway.envoyproxy.io/v1alpha1) that aigw
 * enforces, as validated YAML: `apiKeyAuth`, `jwt` and `authorization`. Field names are the CRD's.
 */

/** ExtractFrom: exactly one of headers, params or cookies (the CRD's rule). */
export interface ExtractFromSpec {
  headers?: string[];
  params?: string[];
  cookies?: string[];
}

export interface ApiKeyAuthSpec {
  credentialRefs?: { name: string; namespace?: string; kind?: string; group?: string }[];
  extractFrom?: ExtractFromSpec[];
  forwardClientIDHeader?: string;
  sanitize?: boolean;
}

export interface JwtSpec {
  optional?: boolean;
  failOpen?: boolean;
  providers?: JwtProviderSpec[];
}

export interface JwtProviderSpec {
  name: string;
  issuer?: string;
  audiences?: string[];
  remoteJWKS?: { uri: string; cacheDuration?: string; failedRefetchDuration?: string };
  localJWKS?: { type?: "Inline" | "ValueRef"; inline?: string; valueRef?: { name: string } };
  claimToHeaders?: { header: string; claim: string }[];
  recomputeRoute?: boolean;
  extractFrom?: {
    headers?: { name: string; valuePrefix?: string }[];
    cookies?: string[];
    params?: string[];
  };
}

export type AuthorizationAction = "Allow" | "Deny";

export interface AuthorizationSpec {
  defaultAction?: AuthorizationAction;
  rules?: AuthorizationRuleSpec[];
}

export interface AuthorizationRuleSpec {
  name?: string;
  action: AuthorizationAction;
  principal?: {
    clientCIDRs?: string[];
    jwt?: {
      provider: string;
      claims?: { name: string; valueType?: "String" | "StringArray"; values: string[] }[];
      scopes?: string[];
    };
    headers?: { name: string; values: string[] }[];
  };
}

/**
 * Envoy Gateway SecurityPolicy -> the AuthPolicy of the Gateway and of each AIGatewayRoute: which
 * policy applies where (one aimed at the route replaces the Gateway's; among policies aimed at the
 * same target the oldest wins, as for BackendTrafficPolicies), and each applied policy compiled
 * once with its Secrets and key sets resolved. Only validated resources reach this file.
 */
import { compileApiKeyAuth } from "../auth/api-key-auth.js";
import { type CredentialSecret, collectApiKeyClients } from "../auth/api-key-clients.js";
import type { AuthPolicy } from "../auth/auth-policy.js";
import { CLIENT_HEADERS_ANNOTATION } from "../auth/client-headers-annotation.js";
import { compileAuthorization } from "../auth/compile-authorization.js";
import { createAuthPolicy } from "../auth/create-auth-policy.js";
import { type JwksKeys, localJwks, REMOTE_JWKS_DEFAULTS, RemoteJwks } from "../auth/jwks-keys.js";
import { compileJwtAuth } from "../auth/jwt-auth.js";
import type {
  ApiKeyAuthSpec,
  AuthorizationSpec,
  JwtProviderSpec,
  JwtSpec,
} from "../auth/security-policy-spec.js";
import { attachedPolicies } from "./compile-traffic-policies.js";
import { parseDuration } from "./parse-duration.js";
import type { Resource } from "./resource.js";
import { namespaceOf, type ResourceIndex } from "./resource-index.js";

export interface SecurityPolicies {
  /** The policy aimed at the Gateway: it guards the model listing and requests no route matches. */
  readonly gateway: AuthPolicy | undefined;
  /** The policy of the AIGatewayRoute `namespace/name`: its own, else the Gateway's. */
  ofRoute(namespace: string, name: string): AuthPolicy | undefined;
}

interface SecurityPolicySpec {
  apiKeyAuth?: ApiKeyAuthSpec;
  jwt?: JwtSpec;
  authorization?: AuthorizationSpec;
}

/** The key of a ConfigMap that `localJWKS.valueRef` reads (else its first value, as Envoy Gateway). */
const JWKS_CONFIGMAP_KEY = "jwks";

export function compileSecurityPolicies(
  index: ResourceIndex,
  gateway: Resource | undefined,
  warn: (message: string) => void,
): SecurityPolicies {
  const { onGateway, onRoute } = attachedPolicies(index, "SecurityPolicy", gateway);
  const routeMatchHeaders = routeMatchHeadersOf(index);
  const compiled = new Map<Resource, AuthPolicy>();
  const compile = (policy: Resource): AuthPolicy => {
    let auth = compiled.get(policy);
    if (!auth) {
      auth = compileSecurityPolicy(policy, index, routeMatchHeaders, warn);
      compiled.set(policy, auth);
    }
    return auth;
  };
  const onGatewayAuth = onGateway ? compile(onGateway) : undefined;
  return {
    gateway: onGatewayAuth,
    ofRoute(namespace, name) {
      const own = onRoute.get(`${namespace}/${name}`);
      return own ? compile(own) : onGatewayAuth;
    },
  };
}

/** One SecurityPolicy as an AuthPolicy; throws an Error naming the policy when it cannot be. */
function compileSecurityPolicy(
  policy: Resource,
  index: ResourceIndex,
  routeMatchHeaders: ReadonlySet<string>,
  warn: (message: string) => void,
): AuthPolicy {
  const source = `${namespaceOf(policy)}/${policy.metadata.name}`;
  const where = `SecurityPolicy ${source}`;
  const spec = (policy.spec ?? {}) as SecurityPolicySpec;
  try {
    return createAuthPolicy({
      source,
      routeMatchHeaders,
      ...(spec.apiKeyAuth
        ? {
            apiKey: compileApiKeyAuth(
              spec.apiKeyAuth,
              collectApiKeyClients(credentialSecrets(policy, index)),
            ),
          }
        : {}),
      ...(spec.jwt
        ? {
            jwt: compileJwtAuth(spec.jwt, (provider, i) =>
              providerJwks(policy, provider, index, `spec.jwt.providers[${i}]`, (reason) =>
                warn(`${where}: jwt provider ${provider.name}: remoteJWKS: ${reason}`),
              ),
            ),
          }
        : {}),
      ...(spec.authorization ? { authorize: compileAuthorization(spec.authorization) } : {}),
    });
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

/**
 * The Secrets of `apiKeyAuth.credentialRefs`, decoded, with their aigw/client-headers annotation.
 * `apiKeyAuth` is the SecurityPolicy's own unless another kind (an MCPRoute) holds one at `path`.
 */
export function credentialSecrets(
  policy: Resource,
  index: ResourceIndex,
  apiKeyAuth = policy.spec?.apiKeyAuth as ApiKeyAuthSpec | undefined,
  path = "spec.apiKeyAuth",
): CredentialSecret[] {
  const refs = apiKeyAuth?.credentialRefs ?? [];
  return refs.map((ref, i) => {
    const namespace = ref.namespace ?? namespaceOf(policy);
    const data = index.secret(namespace, ref.name);
    if (!data) {
      throw new Error(`${path}.credentialRefs[${i}]: Secret ${namespace}/${ref.name} not found`);
    }
    const annotations = index.get("Secret", namespace, ref.name)?.metadata.annotations;
    return {
      name: `${namespace}/${ref.name}`,
      data,
      clientHeaders: annotations?.[CLIENT_HEADERS_ANNOTATION],
    };
  });
}

/**
 * The keys of one JWT provider at `path` of `policy` (a SecurityPolicy, or an MCPRoute's oauth):
 * its remoteJWKS, else its localJWKS; throws an Error naming the path when the local set is bad.
 */
export function providerJwks(
  policy: Resource,
  provider: JwtProviderSpec,
  index: ResourceIndex,
  path: string,
  onFetchFailure: (reason: string) => void,
): JwksKeys {
  if (provider.remoteJWKS) return remoteJwks(provider.remoteJWKS, onFetchFailure);
  try {
    return localJwks(localJwksText(policy, provider, index));
  } catch (err) {
    throw new Error(`${path}.localJWKS: ${(err as Error).message}`);
  }
}

/** A `remoteJWKS`, with Envoy Gateway's defaults for what it leaves out. */
export function remoteJwks(
  remote: NonNullable<JwtProviderSpec["remoteJWKS"]>,
  onFetchFailure: (reason: string) => void,
): RemoteJwks {
  const duration = (text: string | undefined, fallback: number) =>
    text === undefined ? fallback : (parseDuration(text) ?? fallback);
  return new RemoteJwks(remote.uri, {
    cacheDurationMs: duration(remote.cacheDuration, REMOTE_JWKS_DEFAULTS.cacheDurationMs),
    failedRefetchMs: duration(remote.failedRefetchDuration, REMOTE_JWKS_DEFAULTS.failedRefetchMs),
    cooldownMs: REMOTE_JWKS_DEFAULTS.cooldownMs,
    timeoutMs: REMOTE_JWKS_DEFAULTS.timeoutMs,
    onFetchFailure,
  });
}

/** The text of a `localJWKS`: inline, or a ConfigMap's `jwks` key (else its first value). */
export function localJwksText(policy: Resource, provider: JwtProviderSpec, index: ResourceIndex): string {
  const local = provider.localJWKS ?? {};
  if ((local.type ?? "Inline") === "Inline") return local.inline ?? "";
  const name = local.valueRef?.name ?? "";
  const map = index.get("ConfigMap", namespaceOf(policy), name);
  const data = (map?.data ?? {}) as Record<string, unknown>;
  const value = data[JWKS_CONFIGMAP_KEY] ?? Object.values(data)[0];
  if (typeof value !== "string") {
    throw new Error(`ConfigMap ${namespaceOf(policy)}/${name} with a "${JWKS_CONFIGMAP_KEY}" key not found`);
  }
  return value;
}

/** Every header name an AIGatewayRoute rule matches on, lower-cased. */
function routeMatchHeadersOf(index: ResourceIndex): Set<string> {
  const names = new Set<string>();
  for (const route of index.list("AIGatewayRoute")) {
    for (const rule of (route.spec?.rules as { matches?: { headers?: { name: string }[] }[] }[]) ?? []) {
      for (const match of rule.matches ?? []) {
        for (const header of match.headers ?? []) names.add(header.name.toLowerCase());
      }
    }
  }
  return names;
}

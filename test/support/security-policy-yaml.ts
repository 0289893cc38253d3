import { stringify } from "yaml";
import { GATEWAY_NAME } from "./gateway-yaml.js";

/**
 * Builders for the Envoy Gateway SecurityPolicy YAML of the auth tests, in namespace "default"
 * like the rest of gateway-yaml.ts.
 */

type Doc = Record<string, unknown>;

/**
 * What a SecurityPolicy is aimed at: the test Gateway, the HTTPRoute named after an AIGatewayRoute
 * (what users of the original write), or the AIGatewayRoute itself (aigw's extension).
 */
export type AuthTarget = { gateway: true } | { route: string } | { aiGatewayRoute: string };

function targetRefOf(target: AuthTarget): Doc {
  if ("gateway" in target) return { group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME };
  if ("route" in target) return { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: target.route };
  return { group: "aigateway.envoyproxy.io", kind: "AIGatewayRoute", name: target.aiGatewayRoute };
}

/** A SecurityPolicy `name` aimed at `target`; `spec` holds apiKeyAuth, jwt, authorization. */
export function securityPolicyDoc(name: string, target: AuthTarget, spec: Doc, metadata: Doc = {}): Doc {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "SecurityPolicy",
    metadata: { name, namespace: "default", ...metadata },
    spec: { targetRefs: [targetRefOf(target)], ...spec },
  };
}

/**
 * An Opaque Secret of API keys (client id -> key), with the aigw/client-headers annotation when
 * `clientHeaders` is given.
 */
export function apiKeySecretDoc(
  name: string,
  keys: Record<string, string>,
  clientHeaders?: Record<string, Record<string, string>>,
): Doc {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: "default",
      ...(clientHeaders ? { annotations: { "aigw/client-headers": stringify(clientHeaders) } } : {}),
    },
    type: "Opaque",
    stringData: keys,
  };
}

/** The header the client id is forwarded in, in these tests. */
export const CLIENT_ID_HEADER = "x-client-id";

/**
 * `apiKeyAuth` reading keys the way the official SDKs send them (OpenAI: `Authorization: Bearer`,
 * Anthropic: `x-api-key`) from Secret `secret`, forwarding the client id in CLIENT_ID_HEADER.
 */
export function apiKeyAuth(secret: string, extra: Doc = {}): Doc {
  return {
    credentialRefs: [{ name: secret }],
    extractFrom: [{ headers: ["authorization", "x-api-key"] }],
    forwardClientIDHeader: CLIENT_ID_HEADER,
    ...extra,
  };
}

import { stringify } from "yaml";

/**
 * Builders for the Envoy AI Gateway YAML the e2e tests feed the gateway. Tests spell out what they are
 * about (routes, rules, mutations) and leave the boilerplate (GatewayClass, Gateway, Backend, Secret,
 * BackendSecurityPolicy) to these helpers. Everything lives in namespace "default".
 */

export const GATEWAY_NAME = "aigw-test";

type Doc = Record<string, unknown>;

/** GatewayClass and Gateway (its port is overridden by the test's `port: 0`), plus a ClientTrafficPolicy when asked. */
export function gatewayDocs(options: { bufferLimit?: string } = {}): Doc[] {
  const docs: Doc[] = [
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: GATEWAY_NAME },
      spec: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller" },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: GATEWAY_NAME, namespace: "default" },
      spec: { gatewayClassName: GATEWAY_NAME, listeners: [{ name: "http", protocol: "HTTP", port: 1975 }] },
    },
  ];
  if (options.bufferLimit !== undefined) {
    docs.push({
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "ClientTrafficPolicy",
      metadata: { name: "client-buffer-limit", namespace: "default" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME }],
        connection: { bufferLimit: options.bufferLimit },
      },
    });
  }
  return docs;
}

export interface HeaderMutationSpec {
  set?: { name: string; value: string }[];
  remove?: string[];
}

export interface BodyMutationSpec {
  /** `value` is a JSON literal, e.g. '"flex"' or '0.5'. */
  set?: { path: string; value: string }[];
  remove?: string[];
}

export interface OpenAIBackendOptions {
  /** Kept in a Secret and sent upstream as `Authorization: Bearer <key>` (BackendSecurityPolicy type APIKey). */
  apiKey?: string;
  /** schema.prefix; the default is /v1. */
  prefix?: string;
  headerMutation?: HeaderMutationSpec;
  bodyMutation?: BodyMutationSpec;
}

/**
 * An Envoy Gateway Backend `name` at `upstreamUrl` (http://ip:port) and the AIServiceBackend of the
 * same name using it; `spec` holds the schema and any other AIServiceBackend fields.
 */
export function serviceBackendDocs(name: string, upstreamUrl: string, spec: Doc): Doc[] {
  const url = new URL(upstreamUrl);
  return [
    {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "Backend",
      metadata: { name, namespace: "default" },
      spec: { endpoints: [{ ip: { address: url.hostname, port: Number(url.port) } }] },
    },
    {
      apiVersion: "aigateway.envoyproxy.io/v1beta1",
      kind: "AIServiceBackend",
      metadata: { name, namespace: "default" },
      spec: { ...spec, backendRef: { name, kind: "Backend", group: "gateway.envoyproxy.io" } },
    },
  ];
}

/** A Secret `<backend>-apikey` holding `key` and the BackendSecurityPolicy of `type` using it. */
export function apiKeyPolicyDocs(backend: string, type: "APIKey" | "AnthropicAPIKey", key: string): Doc[] {
  const field = type === "APIKey" ? "apiKey" : "anthropicAPIKey";
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${backend}-apikey`, namespace: "default" },
      type: "Opaque",
      stringData: { apiKey: key },
    },
    {
      apiVersion: "aigateway.envoyproxy.io/v1beta1",
      kind: "BackendSecurityPolicy",
      metadata: { name: `${backend}-apikey`, namespace: "default" },
      spec: {
        targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: backend }],
        type,
        [field]: { secretRef: { name: `${backend}-apikey` } },
      },
    },
  ];
}

/** An OpenAI-schema AIServiceBackend `name` whose Envoy Gateway Backend is `upstreamUrl` (http://ip:port). */
export function openAIBackendDocs(
  name: string,
  upstreamUrl: string,
  options: OpenAIBackendOptions = {},
): Doc[] {
  const docs = serviceBackendDocs(name, upstreamUrl, {
    schema: options.prefix === undefined ? { name: "OpenAI" } : { name: "OpenAI", prefix: options.prefix },
    ...(options.headerMutation === undefined ? {} : { headerMutation: options.headerMutation }),
    ...(options.bodyMutation === undefined ? {} : { bodyMutation: options.bodyMutation }),
  });
  if (options.apiKey !== undefined) docs.push(...apiKeyPolicyDocs(name, "APIKey", options.apiKey));
  return docs;
}

/** An AIGatewayRoute attached to the test Gateway; `spec` holds rules, hostnames, llmRequestCosts. */
export function routeDoc(name: string, spec: Doc): Doc {
  return {
    apiVersion: "aigateway.envoyproxy.io/v1beta1",
    kind: "AIGatewayRoute",
    metadata: { name, namespace: "default" },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, kind: "Gateway", group: "gateway.networking.k8s.io" }],
      ...spec,
    },
  };
}

export interface HeaderMatchSpec {
  type: "Exact" | "RegularExpression";
  name: string;
  value: string;
}

/** A rule `matches` entry: x-ai-eg-model equals `model`. */
export function modelIs(model: string): { headers: HeaderMatchSpec[] } {
  return { headers: [{ type: "Exact", name: "x-ai-eg-model", value: model }] };
}

/** A rule `matches` entry: x-ai-eg-model matches the regular expression (the whole value). */
export function modelMatches(pattern: string): { headers: HeaderMatchSpec[] } {
  return { headers: [{ type: "RegularExpression", name: "x-ai-eg-model", value: pattern }] };
}

/** Joins documents (or groups of them) into one multi-document YAML text. */
export function configYaml(...docs: (Doc | Doc[])[]): string {
  return docs
    .flat()
    .map((doc) => stringify(doc))
    .join("---\n");
}

/** What a BackendTrafficPolicy is aimed at: the test Gateway, or the HTTPRoute named after an AIGatewayRoute. */
export type PolicyTarget = { gateway: true } | { route: string };

function targetRefOf(target: PolicyTarget): Doc {
  return "gateway" in target
    ? { group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME }
    : { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: target.route };
}

/** A BackendTrafficPolicy with `rateLimit` (type Global unless `local`) of `rules`. */
export function rateLimitPolicyDoc(
  name: string,
  target: PolicyTarget,
  rules: Doc[],
  options: { local?: boolean; annotations?: Record<string, string> } = {},
): Doc {
  const rateLimit = options.local
    ? { type: "Local", local: { rules } }
    : { type: "Global", global: { rules } };
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "BackendTrafficPolicy",
    metadata: {
      name,
      namespace: "default",
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: { targetRefs: [targetRefOf(target)], rateLimit },
  };
}

/** A rate-limit rule's `cost`: nothing charged up front, the response charged from a cost key. */
export function tokenCost(metadataKey: string): Doc {
  return {
    request: { from: "Number", number: 0 },
    response: { from: "Metadata", metadata: { namespace: "io.envoy.ai_gateway", key: metadataKey } },
  };
}

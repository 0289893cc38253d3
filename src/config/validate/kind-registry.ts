import { unsupportedValue } from "../field-error.js";
import {
  AIGW_GROUP,
  DEFAULT_NAMESPACE,
  ENVOY_GATEWAY_GROUP,
  GATEWAY_API_GROUP,
  groupOf,
  INFERENCE_GROUP,
  INFERENCE_X_GROUP,
  LLM_D_GROUP,
  type Resource,
} from "../resource.js";
import type { KindValidator } from "./kind-validator.js";
import { aiGatewayRouteValidator } from "./validate-ai-gateway-route.js";
import { aiServiceBackendValidator } from "./validate-ai-service-backend.js";
import { backendValidator } from "./validate-backend.js";
import { backendSecurityPolicyValidator } from "./validate-backend-security-policy.js";
import { backendTLSPolicyValidator } from "./validate-backend-tls-policy.js";
import { backendTrafficPolicyValidator } from "./validate-backend-traffic-policy.js";
import { clientTrafficPolicyValidator } from "./validate-client-traffic-policy.js";
import { endpointPickerConfigValidator } from "./validate-endpoint-picker-config.js";
import { gatewayValidator } from "./validate-gateway.js";
import { gatewayConfigValidator } from "./validate-gateway-config.js";
import { httpRouteValidator, namesInferencePool } from "./validate-http-route.js";
import {
  inferenceModelRewriteValidator,
  inferenceObjectiveValidator,
} from "./validate-inference-objective.js";
import { inferencePoolV1alpha2Validator, inferencePoolValidator } from "./validate-inference-pool.js";
import { mcpRouteValidator } from "./validate-mcp-route.js";
import { podValidator } from "./validate-pod.js";
import { quotaPolicyValidator } from "./validate-quota-policy.js";
import { secretValidator } from "./validate-secret.js";
import { securityPolicyValidator } from "./validate-security-policy.js";

/** A kind aigw reads: the versions it accepts (deprecated ones with their warning) and its validator. */
interface ReadKind {
  readonly versions: readonly string[];
  readonly deprecated?: Readonly<Record<string, string>>;
  readonly validator?: KindValidator;
  /** Whether this object is read; when not, it is set aside like a kind aigw does not read. */
  readonly reads?: (r: Resource) => boolean;
}

const AIGW_DEPRECATED = {
  v1alpha1: "aigateway.envoyproxy.io/v1alpha1 is deprecated; use aigateway.envoyproxy.io/v1beta1 instead",
};

function aigwKind(validator: KindValidator): ReadKind {
  return { versions: ["v1alpha1", "v1beta1"], deprecated: AIGW_DEPRECATED, validator };
}

/** Keyed by "group/Kind" ("" group for core). */
const READ_KINDS: ReadonlyMap<string, ReadKind> = new Map([
  [`${AIGW_GROUP}/AIGatewayRoute`, aigwKind(aiGatewayRouteValidator)],
  [`${AIGW_GROUP}/AIServiceBackend`, aigwKind(aiServiceBackendValidator)],
  [`${AIGW_GROUP}/BackendSecurityPolicy`, aigwKind(backendSecurityPolicyValidator)],
  [`${AIGW_GROUP}/GatewayConfig`, aigwKind(gatewayConfigValidator)],
  [`${AIGW_GROUP}/MCPRoute`, aigwKind(mcpRouteValidator)],
  [`${AIGW_GROUP}/QuotaPolicy`, { versions: ["v1alpha1"], validator: quotaPolicyValidator }],
  [`${GATEWAY_API_GROUP}/Gateway`, { versions: ["v1", "v1beta1"], validator: gatewayValidator }],
  [
    `${GATEWAY_API_GROUP}/BackendTLSPolicy`,
    {
      versions: ["v1", "v1alpha3"],
      deprecated: {
        v1alpha3:
          "The v1alpha3 version of BackendTLSPolicy has been deprecated and will be removed in a future release of the API. Please upgrade to v1.",
      },
      validator: backendTLSPolicyValidator,
    },
  ],
  [`${ENVOY_GATEWAY_GROUP}/Backend`, { versions: ["v1alpha1"], validator: backendValidator }],
  [
    `${ENVOY_GATEWAY_GROUP}/BackendTrafficPolicy`,
    { versions: ["v1alpha1"], validator: backendTrafficPolicyValidator },
  ],
  [
    `${ENVOY_GATEWAY_GROUP}/ClientTrafficPolicy`,
    { versions: ["v1alpha1"], validator: clientTrafficPolicyValidator },
  ],
  [`${ENVOY_GATEWAY_GROUP}/SecurityPolicy`, { versions: ["v1alpha1"], validator: securityPolicyValidator }],
  ["/Secret", { versions: ["v1"], validator: secretValidator }],
  [`${INFERENCE_GROUP}/InferencePool`, { versions: ["v1"], validator: inferencePoolValidator }],
  [
    `${INFERENCE_X_GROUP}/InferencePool`,
    { versions: ["v1alpha2"], validator: inferencePoolV1alpha2Validator },
  ],
  ["/Pod", { versions: ["v1"], validator: podValidator }],
  ...[LLM_D_GROUP, INFERENCE_X_GROUP].flatMap((g): [string, ReadKind][] => [
    [`${g}/InferenceObjective`, { versions: ["v1alpha2"], validator: inferenceObjectiveValidator }],
    [`${g}/InferenceModelRewrite`, { versions: ["v1alpha2"], validator: inferenceModelRewriteValidator }],
    [`${g}/EndpointPickerConfig`, { versions: ["v1alpha1"], validator: endpointPickerConfigValidator }],
  ]),
  [
    `${GATEWAY_API_GROUP}/HTTPRoute`,
    { versions: ["v1", "v1beta1"], validator: httpRouteValidator, reads: namesInferencePool },
  ],
]);

/**
 * API groups whose other kinds a standalone gateway has no use for (workloads, RBAC, GatewayClass,
 * EnvoyProxy, an HTTPRoute that names no InferencePool, InferenceModel ...): read and set aside.
 */
const KNOWN_GROUPS = new Set([
  "",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "monitoring.coreos.com",
  "cert-manager.io",
  GATEWAY_API_GROUP,
  ENVOY_GATEWAY_GROUP,
  INFERENCE_GROUP,
  LLM_D_GROUP,
]);

/** Also every Kubernetes SIG group, e.g. inference.networking.x-k8s.io for InferenceModel. */
const isKnownGroup = (group: string) => KNOWN_GROUPS.has(group) || group.endsWith("k8s.io");

export type Classification =
  | { readonly as: "read"; readonly validator?: KindValidator; readonly deprecation?: string }
  /** Our own group (or a kind we read) at a version or kind name we do not know: an error. */
  | { readonly as: "unsupported"; readonly message: string }
  | { readonly as: "ignored"; readonly unknownGroup: boolean };

export function classify(r: Resource): Classification {
  const group = groupOf(r.apiVersion);
  const version = r.apiVersion.slice(r.apiVersion.indexOf("/") + 1);
  const read = READ_KINDS.get(`${group}/${r.kind}`);
  if (read && (read.reads?.(r) ?? true)) {
    if (read.versions.includes(version)) {
      const deprecation = read.deprecated?.[version];
      return { as: "read", validator: read.validator, ...(deprecation ? { deprecation } : {}) };
    }
    const supported = read.versions.map((v) => (group ? `${group}/${v}` : v));
    return { as: "unsupported", message: unsupportedValue("apiVersion", r.apiVersion, supported) };
  }
  if (group === AIGW_GROUP) {
    const kinds = [...READ_KINDS.keys()]
      .filter((k) => k.startsWith(`${AIGW_GROUP}/`))
      .map((k) => k.split("/")[1]!);
    return { as: "unsupported", message: unsupportedValue("kind", r.kind, kinds) };
  }
  return { as: "ignored", unknownGroup: !isKnownGroup(group) };
}

/** Kinds without a namespace, so the ignored list does not invent one for them. */
const CLUSTER_SCOPED = new Set([
  "GatewayClass",
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
]);

/** "Kind namespace/name" ("Kind name" for cluster-scoped kinds, "Kind (unnamed)" for a nameless one). */
export function describe(r: Resource): string {
  if (r.metadata.name === "") return `${r.kind} (unnamed)`;
  const namespace = namespaceOf(r);
  return namespace === null ? `${r.kind} ${r.metadata.name}` : `${r.kind} ${namespace}/${r.metadata.name}`;
}

/** The object's namespace (the default one when unset); null for a cluster-scoped kind. */
export function namespaceOf(r: Resource): string | null {
  return CLUSTER_SCOPED.has(r.kind) ? null : (r.metadata.namespace ?? DEFAULT_NAMESPACE);
}

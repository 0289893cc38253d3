/**
 * A configuration object as written in YAML: the Kubernetes resource envelope shared by every kind
 * we read (aigateway.envoyproxy.io, gateway.networking.k8s.io, gateway.envoyproxy.io, core v1).
 * Specs stay loosely typed here because they come from users; validators narrow them.
 */
export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: ResourceMetadata;
  spec?: Record<string, unknown>;
  /** Secret payloads. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
  /** What a Pod reports (podIP, conditions): the configuration stands in for the cluster's view. */
  status?: Record<string, unknown>;
  /** Where the object came from, for error messages: "file.yaml#3" (document index). */
  source: string;
}

export interface ResourceMetadata {
  name: string;
  namespace?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  creationTimestamp?: string;
}

export const AIGW_GROUP = "aigateway.envoyproxy.io";
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io";
export const INFERENCE_GROUP = "inference.networking.k8s.io";
/** The pre-GA Inference Extension group: v1alpha2 InferencePool and InferenceObjective, EndpointPickerConfig. */
export const INFERENCE_X_GROUP = "inference.networking.x-k8s.io";
/** llm-d Router's group, which now owns InferenceObjective, InferenceModelRewrite and EndpointPickerConfig. */
export const LLM_D_GROUP = "llm-d.ai";
export const DEFAULT_NAMESPACE = "default";
/** The one kind that may come without metadata.name: an EndpointPickerConfig file (its name is then ""). */
export const UNNAMED_KIND = "EndpointPickerConfig";
/** The Gateway annotation naming its GatewayConfig (same namespace). */
export const GATEWAY_CONFIG_ANNOTATION = "aigateway.envoyproxy.io/gateway-config";

/** The API group of a resource: "aigateway.envoyproxy.io/v1beta1" -> "aigateway.envoyproxy.io", "v1" -> "". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** "namespace/name", the key every cross reference resolves through. */
export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? DEFAULT_NAMESPACE}/${name}`;
}

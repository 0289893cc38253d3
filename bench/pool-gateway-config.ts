/**
 * The configuration the inference-pool benchmark runs `aigw run` with: a Gateway, an InferencePool
 * selecting `replicas` Pods on 127.0.0.2, 127.0.0.3, ... (all on `port`, as pods of one pool), and
 * an AIGatewayRoute sending `model` to the pool. `picker` "round-robin" adds an EndpointPickerConfig
 * without a name (it applies to every pool) choosing aigw's `round-robin-picker`; "built-in" keeps
 * the picker's defaults.
 */
export interface PoolGatewayConfig {
  readonly port: number;
  readonly replicas: number;
  readonly model: string;
  readonly picker: "built-in" | "round-robin";
}

export function poolGatewayYaml(config: PoolGatewayConfig): string {
  const docs = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: aigw
  listeners: [{name: http, protocol: HTTP, port: 1975}]`,
    `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: bench, namespace: default}
spec:
  selector: {matchLabels: {app: bench-sim}}
  targetPorts: [{number: ${config.port}}]`,
    ...Array.from(
      { length: config.replicas },
      (_, i) => `apiVersion: v1
kind: Pod
metadata: {name: sim-${i}, namespace: default, labels: {app: bench-sim}}
status: {podIP: 127.0.0.${i + 2}}`,
    ),
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: bench, namespace: default}
spec:
  parentRefs: [{name: bench, kind: Gateway, group: gateway.networking.k8s.io}]
  rules:
    - matches: [{headers: [{name: x-ai-eg-model, value: ${JSON.stringify(config.model)}}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: bench}]`,
  ];
  if (config.picker === "round-robin") {
    docs.push(`apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
  - type: round-robin-picker
schedulingProfiles:
  - name: default
    plugins: [{pluginRef: round-robin-picker}]`);
  }
  return `${docs.join("\n---\n")}\n`;
}

import { configYaml, GATEWAY_NAME, gatewayDocs } from "./gateway-yaml.js";

type Doc = Record<string, unknown>;

/** An MCPRoute backendRef: the Backend's name plus whatever the test is about (toolSelector, apiKey ...). */
export type McpBackendRef = { name: string } & Doc;

/** An Envoy Gateway Backend on 127.0.0.1:<port>, named as the MCPRoute's backendRef names it. */
export function mcpBackendDoc(name: string, port: number): Doc {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "Backend",
    metadata: { name, namespace: "default" },
    spec: { endpoints: [{ ip: { address: "127.0.0.1", port } }] },
  };
}

export function mcpRouteDoc(name: string, backendRefs: McpBackendRef[], spec: Doc = {}): Doc {
  return {
    apiVersion: "aigateway.envoyproxy.io/v1beta1",
    kind: "MCPRoute",
    metadata: { name, namespace: "default" },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME }],
      ...spec,
      backendRefs: backendRefs.map((ref) => ({ group: "gateway.envoyproxy.io", kind: "Backend", ...ref })),
    },
  };
}

/** The whole configuration: the Gateway, the Backends (name -> port) and the routes. */
export function mcpConfigYaml(backends: Record<string, number>, ...docs: Doc[]): string {
  return configYaml(
    gatewayDocs(),
    Object.entries(backends).map(([name, port]) => mcpBackendDoc(name, port)),
    ...docs,
  );
}

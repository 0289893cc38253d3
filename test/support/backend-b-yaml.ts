/** The AIServiceBackend "b" and its Backend (default namespace), so routes to "b" resolve in validation tests. */
export const BACKEND_B_YAML = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: b}
spec: {schema: {name: OpenAI}, backendRef: {name: b, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: b}
spec: {endpoints: [{fqdn: {hostname: example.com, port: 443}}]}`;

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { validateResources } from "../../src/config/validate/validate-resources.js";

/** An AzureOpenAI backend without schema.version is valid but sends no api-version: a warning says so. */

function backend(schema: string): string {
  return `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: azure, namespace: default}
spec:
  schema: ${schema}
  backendRef: {name: azure, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: azure, namespace: default}
spec:
  endpoints: [{fqdn: {hostname: example.openai.azure.com, port: 443}}]
`;
}

function validate(schema: string) {
  return validateResources(parseConfigText(backend(schema), "t.yaml", {}));
}

test("AzureOpenAI without a version: valid, with a warning naming the field", () => {
  const result = validate("{name: AzureOpenAI}");
  assert.deepEqual(result.errors, []);
  const warnings = result.warnings.map((w) => w.message);
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(
    warnings[0]!,
    /spec\.schema\.version: an AzureOpenAI backend without a version sends no api-version/,
  );
});

test("AzureOpenAI with a version, and other schemas without one: no warning", () => {
  for (const schema of ["{name: AzureOpenAI, version: 2025-01-01-preview}", "{name: OpenAI}"]) {
    const result = validate(schema);
    assert.deepEqual(result.errors, [], schema);
    assert.deepEqual(result.warnings, [], schema);
  }
});

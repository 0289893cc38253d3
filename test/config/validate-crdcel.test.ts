import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfigFiles } from "../../src/config/load-config-files.js";
import { validateResource, validateResources } from "../../src/config/validate/validate-resources.js";

/**
 * The 66 single-resource cases of upstream's CRD validation suite: each file must get the API
 * server's verdict, and a rejected one an error at the same field path with the same message.
 */
const CONFORMANCE = fileURLToPath(
  new URL("../../../../shared/conformance/envoy-ai-gateway/", import.meta.url),
);

interface Case {
  file: string;
  valid: boolean;
  expectedError: string | null;
}

const cases: Case[] = JSON.parse(readFileSync(join(CONFORMANCE, "tests/crdcel/expectations.json"), "utf8"));

/**
 * Upstream's expectations sometimes quote only the message of a rule; the field path it applies
 * to is where the CRD places that rule (read from the CRD schemas), so the check stays on path too.
 */
const PATH_OF_MESSAGE: Record<string, string> = {
  "BackendRef must be a Backend resource of Envoy Gateway": "spec.backendRef",
  "When type is APIKey, only apiKey field should be set": "spec",
  "When type is AWSCredentials, only awsCredentials field should be set": "spec",
  "When type is AzureCredentials, only azureCredentials field should be set": "spec",
  "When type is GCPCredentials, only gcpCredentials field should be set": "spec",
  "spec.azureCredentials.clientID in body should be at least 1 chars long": "spec.azureCredentials.clientID",
  "spec.azureCredentials.tenantID in body should be at least 1 chars long": "spec.azureCredentials.tenantID",
  "Exactly one of clientSecretRef or oidcExchangeToken must be specified": "spec.azureCredentials",
  "targetRefs must reference AIServiceBackend or InferencePool resources": "spec.targetRefs",
  "only one of header or queryParam can be set": "spec.backendRefs[0].securityPolicy.apiKey",
};

/** `<path>: <rest>`: Kubernetes messages start with the field path, which never contains ": ". */
function splitPath(message: string): { path: string; rest: string } {
  const at = message.indexOf(": ");
  return { path: message.slice(0, at), rest: message.slice(at + 2) };
}

const FIELD_PATH = /^(spec|metadata)(\.[A-Za-z0-9]+|\[\d+\])*$/;

/**
 * The path and message text an expectation asks for. `rest` may be a prefix of the full message
 * (upstream checks with "contains"); a bare rule message must start the detail of an Invalid value.
 */
function expectation(expected: string): { path: string; rest: string; prefix: boolean } {
  // `MCPRoute.aigateway.envoyproxy.io "name" is invalid: ` names the object, not the field.
  const text = expected.replace(/^\S+ "[^"]+" is invalid: /, "");
  const { path, rest } = splitPath(text);
  if (FIELD_PATH.test(path)) return { path, rest, prefix: true };
  const pathOfMessage = PATH_OF_MESSAGE[text];
  assert.ok(pathOfMessage, `no field path known for the expected message ${JSON.stringify(text)}`);
  return { path: pathOfMessage, rest: text, prefix: false };
}

test("the suite has all 66 cases", () => {
  assert.equal(cases.length, 66);
});

for (const c of cases) {
  test(`${c.file}: ${c.valid ? "valid" : "rejected"}`, async () => {
    const resources = await loadConfigFiles([join(CONFORMANCE, c.file)], {});
    assert.equal(resources.length, 1);
    const messages = resources.flatMap(validateResource);
    if (c.valid) {
      assert.deepEqual(messages, []);
      return;
    }
    const want = expectation(c.expectedError ?? "");
    const matching = messages.filter((m) => {
      const got = splitPath(m);
      const detail = got.rest.replace(/^Invalid value: ("[^"]*"|\S+): /, "");
      return got.path === want.path && (want.prefix ? got.rest : detail).startsWith(want.rest);
    });
    assert.ok(matching.length > 0, `expected ${want.path}: ${want.rest}\ngot:\n${messages.join("\n")}`);
  });
}

test("llmcosts.yaml passes the CRD but its cost CEL names variables that do not exist", async () => {
  // The CRD does not compile CEL; upstream's controller does when it builds the route, and fails
  // it. A standalone gateway has nothing later to fail, so validateResources reports it.
  const resources = await loadConfigFiles(
    [join(CONFORMANCE, "tests/crdcel/testdata/aigatewayroutes/llmcosts.yaml")],
    {},
  );
  assert.deepEqual(resources.flatMap(validateResource), []);
  // (Its backends are not in the file either, which the reference checks also report.)
  const costErrors = validateResources(resources).errors.filter((e) =>
    e.message.startsWith("spec.llmRequestCosts"),
  );
  assert.equal(costErrors.length, 1);
  const { path, rest } = splitPath(costErrors[0]!.message);
  assert.equal(path, "spec.llmRequestCosts[5].cel");
  assert.match(
    rest,
    /^Invalid value: "input_token \+ cached_input_token \+ output_token \+ total_token": invalid CEL expression: Unknown variable: input_token$/,
  );
});

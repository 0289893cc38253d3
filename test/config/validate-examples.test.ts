import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileTrafficPolicies } from "../../src/config/compile-traffic-policies.js";
import { formatFieldError } from "../../src/config/field-error.js";
import { loadConfigFiles } from "../../src/config/load-config-files.js";
import { ResourceIndex } from "../../src/config/resource-index.js";
import { validateResources } from "../../src/config/validate/validate-resources.js";
import { compileRateLimit, type RateLimitSpec } from "../../src/limits/compile-rate-limit.js";

/**
 * Every upstream example configuration validates unchanged: alone, or with the files of its folder
 * it is meant to be applied with. Unset ${VAR}s are left empty, as for a user who has not set them.
 */
const EXAMPLES = fileURLToPath(
  new URL("../../../../shared/conformance/envoy-ai-gateway/examples/", import.meta.url),
);

/** Files that reference objects only their folder's other files define. */
const NOT_ALONE = new Set([
  "inference-pool/aigwroute.yaml", // its AIServiceBackend is in base.yaml
  "stream_idle_timeout/base.yaml", // its AIServiceBackends are in backends.yaml
  "provider_fallback/fallback.yaml", // its BackendTrafficPolicy targets base.yaml's route
  // Upstream slip: its AIServiceBackend names the Backend of openai.yaml, not its own.
  "basic/anthropic-openai-local.yaml",
]);

/** basic/aws-irsa.yaml and aws-pod-identity.yaml replace basic.yaml's Gateway instead of joining it. */
const BASIC_ADD_ONS = [
  "anthropic-openai-local.yaml",
  "anthropic.yaml",
  "aws-bedrock-openai-anthropic.yaml",
  "aws.yaml",
  "azure_openai.yaml",
  "cohere.yaml",
  "gcp_vertex.yaml",
  "openai.yaml",
  "tars.yaml",
].map((f) => `basic/${f}`);

const FOLDER_SETS: string[][] = [
  ["basic/basic.yaml", ...BASIC_ADD_ONS],
  ["inference-pool/base.yaml", "inference-pool/aigwroute.yaml"],
  ["inference-pool/base.yaml", "inference-pool/httproute.yaml"],
  ["inference-pool/base.yaml", "inference-pool/with-annotations.yaml"],
  ["provider_fallback/base.yaml", "provider_fallback/fallback.yaml"],
  ["stream_idle_timeout/base.yaml", "stream_idle_timeout/backends.yaml"],
  ["token_ratelimit/redis.yaml", "token_ratelimit/token_ratelimit.yaml"],
];

/** Every example YAML file, relative to the examples folder. */
function exampleFiles(): string[] {
  return readdirSync(EXAMPLES, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml"))
    .sort();
}

async function validate(files: string[]) {
  return validateResources(
    await loadConfigFiles(
      files.map((f) => join(EXAMPLES, f)),
      {},
    ),
  );
}

const SETS = [
  ...exampleFiles()
    .filter((f) => !NOT_ALONE.has(f))
    .map((f) => [f]),
  ...FOLDER_SETS,
];

for (const set of SETS) {
  test(`examples ${set.join(" + ")}: no errors`, async () => {
    const { errors } = await validate(set);
    assert.deepEqual(errors.map(formatFieldError), []);
  });
}

test("every example file is validated in some set", () => {
  const covered = new Set(SETS.flat());
  assert.deepEqual(
    exampleFiles().filter((f) => !covered.has(f)),
    [],
  );
  assert.ok(exampleFiles().length >= 29);
});

test("the files that need their folder fail alone, for the reference they miss", async () => {
  const route = await validate(["inference-pool/aigwroute.yaml"]);
  assert.deepEqual(
    route.errors.map((e) => e.message),
    [
      'spec.rules[2].backendRefs[0].name: Not found: "envoy-ai-gateway-basic-testupstream": AIServiceBackend default/envoy-ai-gateway-basic-testupstream is not in the configuration',
    ],
  );
  const local = await validate(["basic/anthropic-openai-local.yaml"]);
  assert.deepEqual(
    local.errors.map((e) => e.message),
    [
      'spec.backendRef.name: Not found: "envoy-ai-gateway-basic-openai": Backend default/envoy-ai-gateway-basic-openai is not in the configuration',
    ],
  );
  const fallback = await validate(["provider_fallback/fallback.yaml"]);
  assert.deepEqual(
    fallback.errors.map((e) => e.message),
    [
      'spec.targetRefs[0].name: Not found: "provider-fallback": AIGatewayRoute default/provider-fallback, whose generated HTTPRoute this targets, is not in the configuration',
    ],
  );
  const idle = await validate(["stream_idle_timeout/base.yaml"]);
  assert.equal(idle.errors.length, 4);
  assert.ok(idle.errors.every((e) => e.message.includes("AIServiceBackend default/stream-idle-timeout-")));
});

test("kinds a standalone gateway has no use for are listed as ignored", async () => {
  const file = "basic/basic.yaml";
  const { ignored } = await validate([file]);
  const source = join(EXAMPLES, file);
  assert.deepEqual(ignored, [
    `GatewayClass envoy-ai-gateway-basic (${source}#1)`,
    `Deployment default/envoy-ai-gateway-basic-testupstream (${source}#7)`,
    `Service default/envoy-ai-gateway-basic-testupstream (${source}#8)`,
    `EnvoyProxy default/envoy-ai-gateway-basic (${source}#9)`,
  ]);
  const pool = await validate(["inference-pool/base.yaml"]);
  const kinds = new Set(pool.ignored.map((i) => i.split(" ")[0]));
  assert.deepEqual([...kinds].sort(), [
    "ClusterRole",
    "ClusterRoleBinding",
    "ConfigMap",
    "Deployment",
    "Role",
    "RoleBinding",
    "Service",
    "ServiceAccount",
  ]);
});

test("no kind the gateway reads is ever listed as ignored", async () => {
  const read =
    /^(AIGatewayRoute|AIServiceBackend|BackendSecurityPolicy|GatewayConfig|MCPRoute|Gateway|Backend|BackendTLSPolicy|ClientTrafficPolicy|BackendTrafficPolicy|Secret|InferencePool|InferenceObjective|InferenceModelRewrite|EndpointPickerConfig|Pod) /;
  for (const file of exampleFiles()) {
    const { ignored } = await validate([file]);
    assert.deepEqual(
      ignored.filter((i) => read.test(i)),
      [],
      file,
    );
  }
});

test("the examples' BackendTrafficPolicies are read and compiled onto their routes", async () => {
  const resources = await loadConfigFiles(
    ["provider_fallback/base.yaml", "provider_fallback/fallback.yaml"].map((f) => join(EXAMPLES, f)),
    {},
  );
  const { ignored, warnings } = validateResources(resources);
  assert.deepEqual(
    ignored.filter((i) => i.startsWith("BackendTrafficPolicy")),
    [],
  );
  assert.deepEqual(
    warnings.filter((w) => w.object.startsWith("BackendTrafficPolicy")),
    [],
  );
  const index = new ResourceIndex(resources);
  const traffic = compileTrafficPolicies(index, index.list("Gateway")[0], (m) => assert.fail(m));
  const retry = traffic("default", "provider-fallback").retry;
  assert.equal(traffic("default", "provider-fallback").source, "default/provider-fallback");
  assert.equal(retry.numRetries, 5);
  assert.equal(retry.numAttemptsPerPriority, 1);
  assert.deepEqual([...retry.triggers], ["connect-failure", "retriable-status-codes"]);
  assert.deepEqual([...retry.statusCodes], [500]);
  assert.equal(retry.perTryTimeoutMs, 30_000);
  assert.deepEqual([retry.backOffBaseMs, retry.backOffMaxMs], [100, 10_000]);
  // The token rate limit example's policy is read too: its rateLimit is valid as written and
  // compiles to one rule per token type, each charging the answer's cost of that key.
  const files = await loadConfigFiles([join(EXAMPLES, "token_ratelimit/token_ratelimit.yaml")], {});
  const limits = validateResources(files);
  assert.deepEqual(
    limits.warnings.filter((w) => w.object.startsWith("BackendTrafficPolicy")).map((w) => w.message),
    [],
  );
  const policy = files.find((r) => r.kind === "BackendTrafficPolicy")!;
  const rules = compileRateLimit(policy.spec!.rateLimit as RateLimitSpec, "default/example");
  assert.deepEqual(
    rules.map((rule) => [rule.limit, rule.requestCost, rule.responseCost]),
    [
      [10, { from: "Number", number: 0 }, { from: "Metadata", key: "llm_input_token" }],
      [100, { from: "Number", number: 0 }, { from: "Metadata", key: "llm_output_token" }],
      [1000, { from: "Number", number: 0 }, { from: "Metadata", key: "llm_total_token" }],
      [100, { from: "Number", number: 0 }, { from: "Metadata", key: "llm_cached_input_token" }],
      [1000, { from: "Number", number: 0 }, { from: "Metadata", key: "llm_cel_calculated_token" }],
    ],
  );
});

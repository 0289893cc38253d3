import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ConfigError, loadSnapshot } from "../../src/config/load-snapshot.js";
import type { RuntimeSnapshot } from "../../src/config/snapshot.js";
import type { CompiledPool } from "../../src/inference/compiled-pool.js";
import { DEFAULT_PICKER_SETTINGS } from "../../src/inference/picker-settings.js";
import { DispatcherCache } from "../../src/upstream/dispatcher-cache.js";
import { DEFAULT_TRAFFIC_POLICY, POOL_DEFAULT_TRAFFIC_POLICY } from "../../src/upstream/traffic-policy.js";

/** InferencePools compiled from files: endpoints from Pods, objectives, rewrites, picker settings, rules. */

const dispatchers = new DispatcherCache();
after(() => dispatchers.closeAll());

async function load(...docs: string[]): Promise<{ snapshot: RuntimeSnapshot; warnings: string[] }> {
  const warnings: string[] = [];
  const snapshot = await loadSnapshot(
    { text: docs.join("\n---\n"), origin: "t.yaml" },
    { env: {}, generation: 1, dispatchers, defaultCreatedAt: 0, warn: (m) => warnings.push(m) },
  );
  return { snapshot, warnings };
}

function pod(name: string, ip: string | undefined, labels = "app: vllm", extra = ""): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {${labels}}}
status: {${ip ? `podIP: ${ip}` : ""}${extra}}`;
}

const POOL = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool, namespace: default}
spec: {targetPorts: [{number: 8000}], selector: {matchLabels: {app: vllm}}}`;

const ROUTE = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: route, namespace: default}
spec:
  rules:
    - matches: [{headers: [{name: x-ai-eg-model, value: llama}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: pool}]`;

const poolOf = (snapshot: RuntimeSnapshot): CompiledPool => {
  const pool = snapshot.routes[0]?.rules[0]?.pool;
  assert.ok(pool, "the rule has a pool");
  return pool;
};

test("a pool's endpoints are the Ready pods of its namespace with every selector label and a podIP, in name order", async () => {
  const { snapshot } = await load(
    ROUTE,
    POOL.replace("{app: vllm}", "{app: vllm, tier: gpu}"),
    pod("c", "127.0.0.4", "app: vllm, tier: gpu"),
    pod("a", "127.0.0.2", "app: vllm, tier: gpu"),
    pod("only-app", "127.0.0.9", "app: vllm"), // one label of two: not selected
    pod("no-ip", undefined, "app: vllm, tier: gpu"),
    pod("not-ready", "127.0.0.5", "app: vllm, tier: gpu", ", conditions: [{type: Ready, status: 'False'}]"),
    pod("ready", "127.0.0.3", "app: vllm, tier: gpu", ", conditions: [{type: Ready, status: 'True'}]"),
    pod("other-ns", "127.0.0.6", "app: vllm, tier: gpu").replace("namespace: default", "namespace: other"),
  );
  const pool = poolOf(snapshot);
  assert.equal(pool.key, "default/pool");
  assert.deepEqual(
    pool.endpoints.map((e) => [e.pod, e.address]),
    [
      ["default/a", "127.0.0.2:8000"],
      ["default/c", "127.0.0.4:8000"],
      ["default/ready", "127.0.0.3:8000"],
    ],
  );
  const backend = pool.endpoints[0]!.backend;
  assert.equal(backend.key, "default/pool@127.0.0.2:8000");
  assert.equal(backend.schema.name, "OpenAI");
  assert.equal(backend.origin, "http://127.0.0.2:8000");
  assert.equal(backend.hostHeader, "127.0.0.2:8000");
  assert.ok(backend.translators["openai-chat"], "OpenAI translators are loaded for a pool");
  assert.equal(backend.credentials, undefined);
  assert.deepEqual(
    [pool.failureMode, pool.appProtocol, pool.endpointPicker],
    ["FailClose", "http", undefined],
  );
  assert.deepEqual(pool.picker, DEFAULT_PICKER_SETTINGS);
});

test("every target port of a pod is an endpoint; the engine comes from the pod's label", async () => {
  const { snapshot, warnings } = await load(
    ROUTE,
    POOL.replace("[{number: 8000}]", "[{number: 8000}, {number: 8001}]"),
    pod("a", "127.0.0.2", "app: vllm, llm-d.ai/engine-type: sglang"),
    pod("b", "127.0.0.3", "app: vllm, inference.networking.k8s.io/engine-type: trtllm-serve"),
    pod("c", "::1", "app: vllm, llm-d.ai/engine-type: tgi"),
  );
  const pool = poolOf(snapshot);
  assert.deepEqual(
    pool.endpoints.map((e) => [e.address, e.engine]),
    [
      ["127.0.0.2:8000", "sglang"],
      ["127.0.0.2:8001", "sglang"],
      ["127.0.0.3:8000", "trtllm-serve"],
      ["127.0.0.3:8001", "trtllm-serve"],
      ["[::1]:8000", "vllm"],
      ["[::1]:8001", "vllm"],
    ],
  );
  assert.deepEqual(pool.targetPorts, [8000, 8001]);
  assert.ok(
    warnings.some((w) => w.includes('metadata.labels[llm-d.ai/engine-type]: Unsupported value: "tgi"')),
    warnings.join("\n"),
  );
});

test("the pre-GA v1alpha2 pool compiles from an HTTPRoute, its extensionRef port defaulting to 9002", async () => {
  const { snapshot } = await load(
    `
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: {name: pool, namespace: default}
spec: {targetPortNumber: 8000, selector: {app: vllm}, extensionRef: {name: epp, failureMode: FailOpen}}`,
    `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: http, namespace: default}
spec:
  rules:
    - matches: [{headers: [{name: x-team, type: RegularExpression, value: "a|b"}], path: {type: PathPrefix, value: /}}]
      backendRefs: [{group: inference.networking.x-k8s.io, kind: InferencePool, name: pool}]`,
    pod("a", "127.0.0.2"),
  );
  const [route] = snapshot.routes;
  assert.equal(route?.key, "default/http");
  const rule = route!.rules[0]!;
  assert.equal(rule.matches[0]?.[0]?.test("b"), true);
  assert.equal(rule.matches[0]?.[0]?.test("c"), false);
  const pool = poolOf(snapshot);
  assert.deepEqual(
    pool.endpoints.map((e) => e.address),
    ["127.0.0.2:8000"],
  );
  assert.deepEqual([pool.failureMode, pool.endpointPicker], ["FailOpen", { name: "epp", port: 9002 }]);
  assert.deepEqual(rule.tiers, []);
});

test("an HTTPRoute that names no pool stays ignored", async () => {
  const { snapshot } = await load(
    ROUTE,
    POOL,
    `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain, namespace: default}
spec: {rules: [{backendRefs: [{name: svc, port: 80}]}]}`,
  );
  assert.deepEqual(
    snapshot.routes.map((r) => r.key),
    ["default/route"],
  );
  assert.ok(snapshot.ignored.some((i) => i.startsWith("HTTPRoute default/plain")));
});

test("objectives by poolRef (group must match the pool's), and rewrites in precedence order", async () => {
  const objective = (name: string, spec: string, group = "llm-d.ai") => `
apiVersion: ${group}/v1alpha2
kind: InferenceObjective
metadata: {name: ${name}, namespace: default}
spec: ${spec}`;
  const rewrite = (name: string, created: string | undefined, rules: string) => `
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: ${name}, namespace: default${created ? `, creationTimestamp: "${created}"` : ""}}
spec:
  poolRef: {name: pool}
  rules: ${rules}`;
  const { snapshot } = await load(
    ROUTE,
    POOL,
    objective("critical", "{priority: 10, poolRef: {name: pool}}"),
    objective("batch", "{priority: -1, poolRef: {name: pool, group: inference.networking.k8s.io}}"),
    objective("plain", "{poolRef: {name: pool}}", "inference.networking.x-k8s.io"),
    objective("other-pool", "{priority: 5, poolRef: {name: other}}"),
    objective("other-group", "{priority: 5, poolRef: {name: pool, group: inference.networking.x-k8s.io}}"),
    rewrite(
      "newer",
      "2026-02-01T00:00:00Z",
      "[{targets: [{modelRewrite: catch-newer}]}, {matches: [{model: {value: m}}], targets: [{modelRewrite: m-newer, weight: 3}]}]",
    ),
    rewrite(
      "older",
      "2026-01-01T00:00:00Z",
      "[{matches: [{model: {value: m}}], targets: [{modelRewrite: m-older}]}, {targets: [{modelRewrite: catch-older}]}]",
    ),
    rewrite(
      "untimed",
      undefined,
      "[{matches: [{model: {type: Exact, value: x}}, {model: {value: y}}], targets: [{modelRewrite: a, weight: 1}, {modelRewrite: b, weight: 9}]}]",
    ),
  );
  const pool = poolOf(snapshot);
  assert.deepEqual(
    [...pool.objectives],
    [
      ["critical", 10],
      ["batch", -1],
      ["plain", 0],
    ],
  );
  assert.deepEqual(
    pool.rewrites.map((r) => [r.matches, r.targets.map((t) => `${t.model}:${t.weight}`)]),
    [
      [
        ["x", "y"],
        ["a:1", "b:9"],
      ], // no creationTimestamp counts as the oldest
      [["m"], ["m-older:1"]],
      [["m"], ["m-newer:3"]],
      [[], ["catch-older:1"]],
      [[], ["catch-newer:1"]],
    ],
  );
});

test("the EndpointPickerConfig named by the pool's picker applies; an unnamed one applies to the others", async () => {
  const named = `
apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
metadata: {name: epp}
plugins:
  - type: queue-scorer
  - {type: prefix-cache-scorer, parameters: {blockSizeTokens: 32, maxPrefixBlocksToMatch: 128, lruCapacityPerServer: 1000, autoTune: false}}
  - type: random-picker
  - {type: utilization-detector, parameters: {queueDepthThreshold: 9, kvCacheUtilThreshold: 0.5, metricsStalenessThreshold: 300ms}}
schedulingProfiles:
  - name: default
    plugins: [{pluginRef: queue-scorer, weight: 4}, {pluginRef: prefix-cache-scorer}, {pluginRef: random-picker}]`;
  const unnamed = `
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins: [{type: kv-cache-utilization-scorer}, {type: round-robin-picker}]`;
  const withPicker = POOL.replace(
    "selector:",
    "endpointPickerRef: {name: epp, port: {number: 9002}}, selector:",
  );
  const other = POOL.replace("name: pool", "name: other");
  const route2 = ROUTE.replace("name: route", "name: route2").replace("name: pool}", "name: other}");
  const { snapshot } = await load(ROUTE, route2, withPicker, other, named, unnamed);
  const [first, second] = snapshot.routes.map((r) => r.rules[0]!.pool!);
  assert.deepEqual(first!.picker.weights, { queue: 4, kvCache: 0, prefix: 1, lora: 0 });
  assert.deepEqual(first!.picker.prefix, {
    blockSizeTokens: 32,
    autoTune: false,
    maxPrefixBlocks: 128,
    lruCapacityPerServer: 1000,
  });
  assert.equal(first!.picker.picker, "random");
  assert.deepEqual(first!.picker.saturation, { queueDepth: 9, kvCacheUtil: 0.5, metricsStalenessMs: 300 });
  assert.deepEqual(first!.endpointPicker, { name: "epp", port: 9002 });
  // Without profiles every declared plugin is in the default profile with weight 1.
  assert.deepEqual(second!.picker.weights, { queue: 0, kvCache: 1, prefix: 0, lora: 0 });
  assert.equal(second!.picker.picker, "round-robin");
  assert.equal(second!.picker.scrapeIntervalMs, DEFAULT_PICKER_SETTINGS.scrapeIntervalMs);
});

test("the pool's aigw annotations set the scrape interval and timeout", async () => {
  const annotated = POOL.replace(
    "namespace: default}",
    "namespace: default, annotations: {aigw/picker-scrape-interval: 200ms, aigw/picker-scrape-timeout: 500ms}}",
  );
  const { snapshot } = await load(ROUTE, annotated);
  const pool = poolOf(snapshot);
  assert.deepEqual([pool.picker.scrapeIntervalMs, pool.picker.scrapeTimeoutMs], [200, 500]);
});

test("a BackendSecurityPolicy targeting the pool gives its credentials to every endpoint", async () => {
  const { snapshot } = await load(
    ROUTE,
    POOL,
    pod("a", "127.0.0.2"),
    pod("b", "127.0.0.3"),
    `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: key, namespace: default}
spec:
  type: APIKey
  apiKey: {secretRef: {name: key}}
  targetRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: pool}]`,
    `
apiVersion: v1
kind: Secret
metadata: {name: key, namespace: default}
stringData: {apiKey: sk-pool}`,
  );
  const endpoints = poolOf(snapshot).endpoints;
  assert.equal(endpoints.length, 2);
  for (const e of endpoints) {
    assert.equal(e.backend.credentialPolicy, "default/key");
    const req = {
      method: "POST",
      path: "/v1/chat/completions",
      authority: e.address,
      headers: {} as Record<string, string>,
      body: "",
      clientHeaders: {},
    };
    await e.backend.credentials!.inject(req);
    assert.equal(req.headers.authorization, "Bearer sk-pool");
  }
});

const FALLBACK_BACKENDS = ["hosted-a", "hosted-b", "hosted-c"]
  .map(
    (name) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}, namespace: default}
spec: {schema: {name: OpenAI}, backendRef: {name: ${name}, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}, namespace: default}
spec: {endpoints: [{fqdn: {hostname: ${name}.example.com, port: 443}}]}`,
  )
  .join("\n---\n");

test("the fallback annotation gives a pool rule its tiers; without a BackendTrafficPolicy the pool defaults apply", async () => {
  const route = ROUTE.replace(
    "namespace: default}",
    'namespace: default, annotations: {aigw/inference-pool-fallback: "hosted-a:3 hosted-b, hosted-c"}}',
  );
  const { snapshot } = await load(route, POOL, FALLBACK_BACKENDS);
  const rule = snapshot.routes[0]!.rules[0]!;
  assert.deepEqual(
    rule.tiers.map((t) => t.map((ref) => `${ref.backend.key}:${ref.weight}:${ref.priority}`)),
    [["default/hosted-a:3:0", "default/hosted-b:1:0"], ["default/hosted-c:1:1"]],
  );
  assert.equal(rule.traffic, POOL_DEFAULT_TRAFFIC_POLICY);
  assert.equal(snapshot.routes[0]!.traffic, DEFAULT_TRAFFIC_POLICY);
});

test("a BackendTrafficPolicy on the route leaves pool rules to the route's policy", async () => {
  const { snapshot } = await load(
    ROUTE,
    POOL,
    `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: btp, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}]
  retry: {numRetries: 4}`,
  );
  const route = snapshot.routes[0]!;
  assert.equal(route.rules[0]!.traffic, undefined);
  assert.equal(route.traffic.retry.numRetries, 4);
});

test("a pool defined in both groups under one name cannot be compiled", async () => {
  const alpha = `
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: {name: pool, namespace: default}
spec: {targetPortNumber: 8000, selector: {app: vllm}, extensionRef: {name: epp}}`;
  await assert.rejects(load(ROUTE, POOL, alpha), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(
      err.message,
      /InferencePool default\/pool is defined in both inference.networking.k8s.io and inference.networking.x-k8s.io/,
    );
    return true;
  });
});

test("a reload keeps the connection pools of endpoints that remain and closes those of removed ones", async () => {
  const before = poolOf((await load(ROUTE, POOL, pod("a", "127.0.0.2"), pod("b", "127.0.0.3"))).snapshot);
  const after = poolOf((await load(ROUTE, POOL, pod("a", "127.0.0.2"))).snapshot);
  assert.equal(after.endpoints[0]!.backend.dispatcher, before.endpoints[0]!.backend.dispatcher);
  assert.equal((before.endpoints[1]!.backend.dispatcher as unknown as { closed: boolean }).closed, true);
  assert.equal((after.endpoints[0]!.backend.dispatcher as unknown as { closed: boolean }).closed, false);
});

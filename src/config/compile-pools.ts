import { isIP } from "node:net";
import type { CompiledPool, EngineType, ModelRewriteRule, PoolEndpoint } from "../inference/compiled-pool.js";
import type { PickerSettings } from "../inference/picker-settings.js";
import { DEFAULT_PICKER_SETTINGS } from "../inference/picker-settings.js";
import { genAiProviderName } from "../providers/gen-ai-provider-name.js";
import type { BackendSchemaName, SchemaTranslators } from "../providers/translator.js";
import type { DispatcherCache, OriginSettings } from "../upstream/dispatcher-cache.js";
import type { TargetCredentials } from "./compile-backends.js";
import { pickerSettingsOf, withPoolAnnotations } from "./compile-picker-settings.js";
import { compare, createdAt } from "./compile-traffic-policies.js";
import {
  groupOf,
  INFERENCE_GROUP,
  INFERENCE_X_GROUP,
  keyOf,
  LLM_D_GROUP,
  type Resource,
} from "./resource.js";
import { namespaceOf, type ResourceIndex } from "./resource-index.js";

export interface PoolCompileContext {
  dispatchers: DispatcherCache;
  /** Translators by schema; a pool's endpoints use OpenAI's (schemasUsed loads them when a pool exists). */
  translators: ReadonlyMap<BackendSchemaName, SchemaTranslators>;
  /** Credentials of the BackendSecurityPolicies that target a pool, by "namespace/name" (compileBackends). */
  poolCredentials: ReadonlyMap<string, TargetCredentials>;
}

export interface CompiledPools {
  /** By "namespace/name". */
  pools: Map<string, CompiledPool>;
  /** One per endpoint, for dispatchers.retainOnly (a reload keeps warm pools, closes dropped ones). */
  origins: OriginSettings[];
}

/** Pod labels naming the model server (llm-d Router's, then GIE v1.5's). */
export const ENGINE_LABELS = ["llm-d.ai/engine-type", "inference.networking.k8s.io/engine-type"];
export const ENGINE_TYPES: readonly EngineType[] = ["vllm", "sglang", "trtllm-serve", "triton-tensorrt-llm"];

const POOL_MEMBER_GROUPS = [LLM_D_GROUP, INFERENCE_X_GROUP];

interface PoolShape {
  selector: Record<string, string>;
  targetPorts: number[];
  appProtocol: CompiledPool["appProtocol"];
  failureMode: CompiledPool["failureMode"];
  endpointPicker: CompiledPool["endpointPicker"];
}

/**
 * Compiles every InferencePool (v1 and v1alpha2) with the Pods it selects, exactly as a cluster
 * would: the Ready pods of the pool's namespace carrying every selector label, each with a podIP,
 * in namespace/name order, one endpoint per target port. Throws when two pools of the two groups
 * share a namespace and name (their endpoint keys would collide).
 */
export function compilePools(index: ResourceIndex, ctx: PoolCompileContext): CompiledPools {
  const pools = new Map<string, CompiledPool>();
  const origins: OriginSettings[] = [];
  const pods = index
    .listIn("", "Pod")
    .sort((a, b) =>
      compare(keyOf(a.metadata.namespace, a.metadata.name), keyOf(b.metadata.namespace, b.metadata.name)),
    );
  const configs = POOL_MEMBER_GROUPS.flatMap((g) => index.listIn(g, "EndpointPickerConfig"));
  for (const pool of [
    ...index.listIn(INFERENCE_GROUP, "InferencePool"),
    ...index.listIn(INFERENCE_X_GROUP, "InferencePool"),
  ]) {
    const namespace = namespaceOf(pool);
    const key = keyOf(namespace, pool.metadata.name);
    if (pools.has(key)) {
      throw new Error(
        `InferencePool ${key} is defined in both ${INFERENCE_GROUP} and ${INFERENCE_X_GROUP}; aigw needs one`,
      );
    }
    const shape = shapeOf(pool);
    const endpoints: PoolEndpoint[] = [];
    const credentials = ctx.poolCredentials.get(key);
    for (const pod of pods) {
      if (namespaceOf(pod) !== namespace || !selects(shape.selector, pod) || !isReady(pod)) continue;
      const ip = pod.status?.podIP;
      if (typeof ip !== "string" || isIP(ip) === 0) continue;
      const host = isIP(ip) === 6 ? `[${ip}]` : ip;
      const engine = engineOf(pod);
      for (const port of shape.targetPorts) {
        const address = `${host}:${port}`;
        const settings: OriginSettings = { origin: `http://${address}` };
        origins.push(settings);
        endpoints.push({
          address,
          pod: keyOf(namespace, pod.metadata.name),
          engine,
          backend: {
            key: `${key}@${address}`,
            schema: { name: "OpenAI" },
            providerName: genAiProviderName("OpenAI"),
            translators: ctx.translators.get("OpenAI") ?? {},
            origin: settings.origin,
            hostHeader: address,
            dispatcher: ctx.dispatchers.get(settings),
            credentials: credentials?.injector,
            credentialPolicy: credentials?.policy,
          },
        });
      }
    }
    pools.set(
      key,
      Object.freeze({
        key,
        endpoints: Object.freeze(endpoints),
        targetPorts: Object.freeze(shape.targetPorts),
        appProtocol: shape.appProtocol,
        failureMode: shape.failureMode,
        endpointPicker: shape.endpointPicker,
        objectives: objectivesOf(index, pool),
        rewrites: rewritesOf(index, pool),
        picker: pickerOf(pool, shape.endpointPicker?.name, configs),
      }),
    );
  }
  return { pools, origins };
}

/** The fields both versions have, in the v1 vocabulary (v1alpha2's extensionRef port defaults to 9002). */
function shapeOf(pool: Resource): PoolShape {
  const spec = (pool.spec ?? {}) as Record<string, unknown> & {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    targetPorts?: { number: number }[];
    targetPortNumber?: number;
    appProtocol?: CompiledPool["appProtocol"];
    endpointPickerRef?: {
      name: string;
      port?: { number: number };
      failureMode?: CompiledPool["failureMode"];
    };
    extensionRef?: { name: string; portNumber?: number; failureMode?: CompiledPool["failureMode"] };
  };
  if (groupOf(pool.apiVersion) === INFERENCE_X_GROUP) {
    const ref = spec.extensionRef;
    return {
      selector: (spec.selector ?? {}) as Record<string, string>,
      targetPorts: spec.targetPortNumber === undefined ? [] : [spec.targetPortNumber],
      appProtocol: "http",
      failureMode: ref?.failureMode ?? "FailClose",
      endpointPicker: ref ? { name: ref.name, port: ref.portNumber ?? 9002 } : undefined,
    };
  }
  const ref = spec.endpointPickerRef;
  return {
    selector: spec.selector?.matchLabels ?? {},
    targetPorts: (spec.targetPorts ?? []).map((p) => p.number),
    appProtocol: spec.appProtocol ?? "http",
    failureMode: ref?.failureMode ?? "FailClose",
    endpointPicker: ref ? { name: ref.name, ...(ref.port ? { port: ref.port.number } : {}) } : undefined,
  };
}

/** Every selector label, with its value (AND); an empty selector selects nothing, as a Service's. */
function selects(selector: Record<string, string>, pod: Resource): boolean {
  const labels = pod.metadata.labels ?? {};
  const wanted = Object.entries(selector);
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === String(v));
}

/** The Ready condition; a pod that reports none is taken as Ready (files need not spell it out). */
/** A pool a rule names that the configuration does not define: no endpoints, default settings. */
export function absentPool(key: string): CompiledPool {
  return {
    key,
    endpoints: [],
    targetPorts: [],
    appProtocol: "http",
    failureMode: "FailClose",
    endpointPicker: undefined,
    objectives: new Map(),
    rewrites: [],
    picker: DEFAULT_PICKER_SETTINGS,
  };
}

export function isReady(pod: Resource): boolean {
  const conditions = pod.status?.conditions;
  if (!Array.isArray(conditions)) return true;
  const ready = conditions.find((c) => c?.type === "Ready");
  return ready === undefined || ready.status === "True";
}

export function engineOf(pod: Resource): EngineType {
  const labels = pod.metadata.labels ?? {};
  const value = ENGINE_LABELS.map((l) => labels[l]).find((v) => v !== undefined);
  return ENGINE_TYPES.includes(value as EngineType) ? (value as EngineType) : "vllm";
}

/** Resources of a pool-member kind (either group) whose poolRef is `pool`, oldest first. */
function membersOf(index: ResourceIndex, kind: string, pool: Resource): Resource[] {
  const poolGroup = groupOf(pool.apiVersion);
  return POOL_MEMBER_GROUPS.flatMap((g) => index.listIn(g, kind)).filter((r) => {
    const ref = (r.spec?.poolRef ?? {}) as { group?: string; kind?: string; name?: string };
    return (
      namespaceOf(r) === namespaceOf(pool) &&
      ref.name === pool.metadata.name &&
      (ref.kind ?? "InferencePool") === "InferencePool" &&
      (ref.group ?? INFERENCE_GROUP) === poolGroup
    );
  });
}

function objectivesOf(index: ResourceIndex, pool: Resource): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const objective of membersOf(index, "InferenceObjective", pool)) {
    const priority = objective.spec?.priority;
    out.set(objective.metadata.name, typeof priority === "number" ? priority : 0);
  }
  return out;
}

interface RewriteRuleSpec {
  matches?: { model?: { value?: string } }[];
  targets?: { modelRewrite?: string; weight?: number }[];
}

/**
 * Rules in precedence order: exact matches before catch-alls; then the oldest resource (createdAt),
 * then configuration order; within a resource,
 * rule order.
 */
function rewritesOf(index: ResourceIndex, pool: Resource): readonly ModelRewriteRule[] {
  const resources = membersOf(index, "InferenceModelRewrite", pool);
  const order = new Map(resources.map((r, i) => [r, i]));
  resources.sort((a, b) => createdAt(a) - createdAt(b) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const rules: ModelRewriteRule[] = resources.flatMap((r) =>
    ((r.spec?.rules as RewriteRuleSpec[] | undefined) ?? []).map((rule) =>
      Object.freeze({
        matches: Object.freeze((rule.matches ?? []).flatMap((m) => (m.model?.value ? [m.model.value] : []))),
        targets: Object.freeze(
          (rule.targets ?? []).map((t) =>
            Object.freeze({ model: String(t.modelRewrite), weight: t.weight ?? 1 }),
          ),
        ),
      }),
    ),
  );
  return Object.freeze([
    ...rules.filter((r) => r.matches.length > 0),
    ...rules.filter((r) => r.matches.length === 0),
  ]);
}

/**
 * Defaults, or the EndpointPickerConfig named like the pool's picker (in the pool's namespace when
 * the file sets one), or the unnamed one; then the pool's aigw annotations.
 */
function pickerOf(
  pool: Resource,
  pickerName: string | undefined,
  configs: readonly Resource[],
): PickerSettings {
  const sameNamespace = (c: Resource) =>
    c.metadata.namespace === undefined || c.metadata.namespace === namespaceOf(pool);
  const named = pickerName
    ? configs.find((c) => c.metadata.name === pickerName && sameNamespace(c))
    : undefined;
  const config = named ?? configs.find((c) => c.metadata.name === "");
  const applied = withPoolAnnotations(pickerSettingsOf(config).settings, pool.metadata.annotations);
  // Validation rejects unusable annotations; compiling validated resources cannot get here.
  if ("error" in applied)
    throw new Error(`InferencePool ${keyOf(pool.metadata.namespace, pool.metadata.name)}: ${applied.error}`);
  return applied.settings;
}

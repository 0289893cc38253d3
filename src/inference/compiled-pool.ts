import type { CompiledBackend } from "../config/snapshot.js";
import type { PickerSettings } from "./picker-settings.js";

/** Which model server an endpoint runs: decides the metric names its /metrics is read with. */
export type EngineType = "vllm" | "sglang" | "trtllm-serve" | "triton-tensorrt-llm";

/** One `podIP:port` of a pool: a Ready pod with a podIP, once per target port. */
export interface PoolEndpoint {
  /** "ip:port", exactly as `x-gateway-destination-endpoint` carries it. */
  readonly address: string;
  /** "namespace/name" of the Pod. */
  readonly pod: string;
  /** From the pod label `llm-d.ai/engine-type` or `inference.networking.k8s.io/engine-type`; default vllm. */
  readonly engine: EngineType;
  /**
   * The endpoint as a backend the attempt loop dispatches to: key "namespace/pool@ip:port" (what
   * health, ejection and the decision record name), schema OpenAI, origin "http://ip:port", the
   * credentials of a BackendSecurityPolicy that targets the pool.
   */
  readonly backend: CompiledBackend;
}

/** InferenceModelRewrite rule: matching models (exact; empty = every model) -> weighted targets. */
export interface ModelRewriteRule {
  readonly matches: readonly string[];
  readonly targets: readonly { readonly model: string; readonly weight: number }[];
}

/**
 * The compiled form of one InferencePool (v1 or the pre-GA v1alpha2 shape) with the Pods it selects,
 * its InferenceObjectives and InferenceModelRewrites. Immutable, part of the snapshot; the picker's
 * live state (metrics, prefix index, in-flight counts) lives in InferencePools, keyed by `key` and
 * endpoint address, and survives reloads.
 */
export interface CompiledPool {
  /** "namespace/name". */
  readonly key: string;
  /** Ready endpoints in pod order (pods sorted by namespace/name), each target port in order. */
  readonly endpoints: readonly PoolEndpoint[];
  readonly targetPorts: readonly number[];
  readonly appProtocol: "http" | "kubernetes.io/h2c";
  /** What happens when the picker cannot be asked (an external picker later; the built-in never fails). */
  readonly failureMode: "FailOpen" | "FailClose";
  /** The endpointPickerRef (v1) or extensionRef (v1alpha2), for the decision record and validate. */
  readonly endpointPicker: { readonly name: string; readonly port?: number } | undefined;
  /** InferenceObjective name -> priority (negative = sheddable), for objectives whose poolRef is this pool. */
  readonly objectives: ReadonlyMap<string, number>;
  /** InferenceModelRewrite rules for this pool, in precedence order (exact matches before catch-alls). */
  readonly rewrites: readonly ModelRewriteRule[];
  /** Scheduler weights and thresholds: defaults, or the EndpointPickerConfig named by the picker ref. */
  readonly picker: PickerSettings;
}

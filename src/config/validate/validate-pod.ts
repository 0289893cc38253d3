import { isIP } from "node:net";
import type { EngineType } from "../../inference/compiled-pool.js";
import { ENGINE_LABELS, ENGINE_TYPES } from "../compile-pools.js";
import { unsupportedValue } from "../field-error.js";
import type { Resource } from "../resource.js";
import { labels } from "./inference-schemas.js";
import type { KindValidator } from "./kind-validator.js";
import { array, object, string } from "./schema.js";
import { validateSchema } from "./validate-schema.js";

/**
 * A core `v1` Pod, read for the InferencePools that select it: its labels, and the two parts of
 * `status` a pool's endpoints come from (the pod IP and the Ready condition). `spec` (containers)
 * is what a cluster would run; a standalone gateway does not look at it.
 */
const podLabels = labels();

const status = object({
  podIP: string({ parse: (v) => (isIP(v) === 0 ? "must be a valid IP address" : undefined) }),
  conditions: array(
    object(
      { type: string({ minLength: 1 }), status: string({ enum: ["True", "False", "Unknown"] }) },
      { required: ["type", "status"] },
    ),
    { mapKeys: ["type"] },
  ),
});

export const podValidator: KindValidator = {
  schema(r: Resource) {
    const out: string[] = [];
    if (r.metadata.labels !== undefined) validateSchema(r.metadata.labels, podLabels, "metadata.labels", out);
    if (r.status !== undefined) validateSchema(r.status, status, "status", out);
    return out;
  },
  /** An engine label aigw does not know: its metrics are read as vLLM's. */
  warnings(r: Resource) {
    return ENGINE_LABELS.flatMap((label) => {
      const value = r.metadata.labels?.[label];
      if (value === undefined || ENGINE_TYPES.includes(value as EngineType)) return [];
      return [`${unsupportedValue(`metadata.labels[${label}]`, value, ENGINE_TYPES)}; read as vllm`];
    });
  },
};

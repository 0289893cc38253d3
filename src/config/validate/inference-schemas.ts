/**
 * Schema pieces the inference kinds share (Gateway API Inference Extension and llm-d Router):
 * Kubernetes label maps, the failure mode of an endpoint picker, the pool reference of
 * InferenceObjective and InferenceModelRewrite.
 */
import { group, kind, name } from "./common-schemas.js";
import { integer, object, type Rule, type Schema, type Self, string } from "./schema.js";

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;

/** A label value: at most 63 characters, alphanumeric at both ends (or empty). */
export const labelValue = string({ maxLength: 63, pattern: "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" });

/** Every key a qualified label name (`prefix/name`, the name at most 63 characters). */
const labelKeys: Rule = {
  message:
    "label keys must be qualified names: an optional DNS subdomain prefix and '/', then at most 63 alphanumeric, '-', '_' or '.' characters",
  holds: (self: Self) => Object.keys(self).every((k) => k.length <= 253 && LABEL_KEY.test(k)),
};

/** A map of labels (a Pod's metadata.labels, a selector), `extra` bounding its size. */
export function labels(extra: { minProperties?: number; maxProperties?: number } = {}): Schema {
  return object({}, { values: labelValue, rules: [labelKeys], ...extra });
}

export const portNumber = integer({ minimum: 1, maximum: 65535 });

export const failureMode = string({ enum: ["FailOpen", "FailClose"] });

/** PoolObjectReference: group defaults to inference.networking.k8s.io, kind to InferencePool. */
export const poolReference = object({ group, kind, name }, { required: ["name"] });

import type { Resource } from "../resource.js";
import type { Schema } from "./schema.js";
import { validateSchema } from "./validate-schema.js";

/** How one kind is checked, object by object (cross references are validate-references.ts's job). */
export interface KindValidator {
  /** What the CRD enforces: the verdict the Kubernetes API server gives on `kubectl apply`. */
  schema(r: Resource): string[];
  /**
   * What the original's controller rejects only later, when it compiles the object (cost CEL,
   * regular expressions). A standalone gateway has no later, so these are errors too.
   */
  semantics?(r: Resource): string[];
  /** Valid configuration the gateway will not act on as written (it still starts). */
  warnings?(r: Resource): string[];
}

/** Checks `spec` against its schema; a missing spec is checked as an empty one so required fields show. */
export function checkSpec(r: Resource, spec: Schema): string[] {
  const out: string[] = [];
  validateSchema(r.spec ?? {}, spec, "spec", out);
  return out;
}

/** Array entries of a loosely typed value, with their index; nothing when it is not an array. */
export function entries(value: unknown): [number, Record<string, unknown>][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i) =>
    typeof v === "object" && v !== null ? [[i, v] as [number, Record<string, unknown>]] : [],
  );
}

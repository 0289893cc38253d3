import { isDeepStrictEqual } from "node:util";
import type { FieldError } from "../field-error.js";
import { groupOf, type Resource } from "../resource.js";
import { classify, describe } from "./kind-registry.js";
import type { KindValidator } from "./kind-validator.js";
import { duplicateValue } from "./schema-messages.js";
import { validateMetadata } from "./validate-metadata.js";
import { validateReferences } from "./validate-references.js";

export interface ValidationResult {
  /** Problems that make the configuration unusable: `aigw validate` fails, `aigw run` refuses to start. */
  errors: FieldError[];
  /** Worth telling the user, but the gateway runs: deprecated versions, references it does not need. */
  warnings: FieldError[];
  /** Objects a standalone gateway has no use for, as "Kind namespace/name (source)". */
  ignored: string[];
  /** The objects `ignored` describes, in the same order. */
  ignoredResources: Resource[];
}

/**
 * The verdict the Kubernetes API server would give one object (CRD schema and CEL rules): its
 * messages, empty when it is accepted. Objects of kinds aigw does not read are accepted.
 */
export function validateResource(r: Resource): string[] {
  const c = classify(r);
  if (c.as === "unsupported") return [c.message];
  if (c.as === "ignored") return [];
  return schemaVerdict(r, c.validator);
}

function schemaVerdict(r: Resource, validator: KindValidator | undefined): string[] {
  return [...validateMetadata(r), ...(validator?.schema(r) ?? [])];
}

/**
 * Validates a whole configuration: every object as the API server would, then what the original's
 * controller checks when it compiles them (cost CEL, regular expressions), then the references
 * between objects, which a file-based gateway must resolve itself.
 */
export function validateResources(resources: Resource[]): ValidationResult {
  const result: ValidationResult = { errors: [], warnings: [], ignored: [], ignoredResources: [] };
  const read: Resource[] = [];
  const ignored: Resource[] = [];
  for (const r of resources) {
    const c = classify(r);
    const report = (list: FieldError[], message: string) =>
      list.push({ object: describe(r), source: r.source, message });
    if (c.as === "ignored") {
      ignored.push(r);
      if (c.unknownGroup)
        report(result.warnings, `apiVersion: ${r.apiVersion} is not an API aigw knows; ignored`);
      continue;
    }
    if (c.as === "unsupported") {
      report(result.errors, c.message);
      continue;
    }
    read.push(r);
    if (c.deprecation) report(result.warnings, `apiVersion: ${c.deprecation}`);
    for (const m of schemaVerdict(r, c.validator)) report(result.errors, m);
    for (const m of c.validator?.semantics?.(r) ?? []) report(result.errors, m);
    for (const m of c.validator?.warnings?.(r) ?? []) report(result.warnings, m);
  }
  result.errors.push(...findDuplicates(read));
  const references = validateReferences(read, [...read, ...ignored]);
  result.errors.push(...references.errors);
  result.warnings.push(...references.warnings);
  // A ConfigMap holding a CA bundle or JWKS is read through its reference: not ignored.
  result.ignoredResources = ignored.filter((r) => !references.used.has(r));
  result.ignored = result.ignoredResources.map((r) => `${describe(r)} (${r.source})`);
  return result;
}

/**
 * The same object defined twice with different content is ambiguous for a file-based gateway
 * (kubectl would let the last one win). Identical copies, as when two example files both carry a
 * shared Backend, are harmless.
 */
function findDuplicates(resources: readonly Resource[]): FieldError[] {
  const first = new Map<string, Resource>();
  const errors: FieldError[] = [];
  for (const r of resources) {
    const identity = `${groupOf(r.apiVersion)}/${describe(r)}`;
    const earlier = first.get(identity);
    if (!earlier) first.set(identity, r);
    else if (!isDeepStrictEqual({ ...earlier, source: "" }, { ...r, source: "" })) {
      const message = `${duplicateValue("metadata.name", r.metadata.name)}: ${describe(r)} is also defined at ${earlier.source}`;
      errors.push({ object: describe(r), source: r.source, message });
    }
  }
  return errors;
}

import { INFERENCE_GROUP, INFERENCE_X_GROUP, type Resource } from "../resource.js";
import {
  duration,
  group,
  headerMatches,
  hostnames,
  kind,
  name,
  namespace,
  parentReference,
  port,
} from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { anything, array, integer, object, type Self, string } from "./schema.js";
import { checkHeaderRegexes } from "./semantic-checks.js";

/**
 * A Gateway API HTTPRoute is read only when it sends to an InferencePool (either group): the
 * Inference Extension's own way to route to a pool. Other HTTPRoutes stay set aside, as aigw
 * serves AIGatewayRoutes.
 */
export function isPoolRef(ref: Self): boolean {
  return ref?.kind === "InferencePool" && (ref.group === INFERENCE_GROUP || ref.group === INFERENCE_X_GROUP);
}

export function namesInferencePool(r: Resource): boolean {
  return entries(r.spec?.rules).some(([, rule]) =>
    entries(rule.backendRefs).some(([, ref]) => isPoolRef(ref)),
  );
}

const spec = object({
  parentRefs: array(parentReference, { maxItems: 32 }),
  hostnames,
  rules: array(
    object({
      name: string({ minLength: 1, maxLength: 253 }),
      matches: array(
        object({
          path: object({
            type: string({ enum: ["Exact", "PathPrefix", "RegularExpression"] }),
            value: string({ maxLength: 1024 }),
          }),
          headers: headerMatches,
          queryParams: anything,
          method: string(),
        }),
        { maxItems: 64 },
      ),
      backendRefs: array(
        object(
          { group, kind, name, namespace, port, weight: integer({ minimum: 0, maximum: 1_000_000 }) },
          { required: ["name"] },
        ),
        {
          maxItems: 16,
        },
      ),
      filters: anything,
      timeouts: object({ request: duration, backendRequest: duration }),
    }),
    { maxItems: 16 },
  ),
});

const ONE_POOL =
  "aigw serves an HTTPRoute only for InferencePools: each rule must send to exactly one InferencePool";

export const httpRouteValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    for (const [i, rule] of entries(r.spec?.rules)) {
      const refs = entries(rule.backendRefs);
      if (refs.length !== 1 || !isPoolRef(refs[0]?.[1]))
        out.push(`spec.rules[${i}].backendRefs: Invalid value: "array": ${ONE_POOL}`);
      for (const [j, match] of entries(rule.matches))
        checkHeaderRegexes(match.headers, `spec.rules[${i}].matches[${j}].headers`, out);
    }
    return out;
  },
  /** What the rule says that aigw does not act on: path, method and query matches, filters. */
  warnings(r) {
    const out: string[] = [];
    for (const [i, rule] of entries(r.spec?.rules)) {
      if (rule.filters !== undefined)
        out.push(`spec.rules[${i}].filters: aigw does not apply HTTPRoute filters; ignored`);
      for (const [j, match] of entries(rule.matches)) {
        const path = match.path as { type?: string; value?: string } | undefined;
        const everyPath =
          path === undefined || ((path.type ?? "PathPrefix") === "PathPrefix" && (path.value ?? "/") === "/");
        if (!everyPath)
          out.push(
            `spec.rules[${i}].matches[${j}].path: aigw matches headers only; this rule matches every path`,
          );
        if (match.method !== undefined || match.queryParams !== undefined) {
          out.push(
            `spec.rules[${i}].matches[${j}]: aigw matches headers only; method and queryParams are ignored`,
          );
        }
      }
    }
    return out;
  },
};

import { policyTargetReference, rateLimitSelectCondition } from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { array, boolean, integer, object, type Self, string } from "./schema.js";
import { duplicateValue } from "./schema-messages.js";
import { checkClientSelectors, checkCostExpression, selectorFieldsNotActedOn } from "./semantic-checks.js";

const quotaValue = object(
  { limit: integer({ minimum: 0 }), duration: string({ enum: ["1s", "1m", "1h", "1d"] }) },
  { required: ["duration", "limit"] },
);

const spec = object({
  targetRefs: array(policyTargetReference, {
    maxItems: 16,
    rules: [
      {
        message: "targetRefs must reference AIServiceBackend resources",
        holds: (self: Self[]) =>
          self.every((ref) => ref.group === "aigateway.envoyproxy.io" && ref.kind === "AIServiceBackend"),
      },
    ],
  }),
  serviceQuota: object({ costExpression: string(), quota: quotaValue }, { required: ["quota"] }),
  perModelQuotas: array(
    object(
      {
        modelName: string({ minLength: 1 }),
        quota: object({
          costExpression: string(),
          mode: string({ enum: ["Shared"] }),
          defaultBucket: quotaValue,
          bucketRules: array(
            object(
              {
                clientSelectors: array(rateLimitSelectCondition, { maxItems: 8 }),
                quota: quotaValue,
                shadowMode: boolean,
              },
              { required: ["quota"] },
            ),
          ),
        }),
      },
      { required: ["modelName", "quota"] },
    ),
    { maxItems: 128 },
  ),
});

/** Each bucket rule's `clientSelectors`, with its path. */
function bucketSelectors(spec: Self): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [i, perModel] of entries(spec?.perModelQuotas)) {
    for (const [j, rule] of entries((perModel.quota as Self)?.bucketRules)) {
      out.push([`spec.perModelQuotas[${i}].quota.bucketRules[${j}].clientSelectors`, rule.clientSelectors]);
    }
  }
  return out;
}

export const quotaPolicyValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    const service = r.spec?.serviceQuota as { costExpression?: unknown } | undefined;
    if (typeof service?.costExpression === "string") {
      checkCostExpression(service.costExpression, "spec.serviceQuota.costExpression", out);
    }
    // One policy giving a model two quotas is ambiguous: compilation would keep the first silently.
    const firstOf = new Map<string, number>();
    for (const [i, perModel] of entries(r.spec?.perModelQuotas)) {
      const expression = (perModel.quota as { costExpression?: unknown } | undefined)?.costExpression;
      if (typeof expression === "string") {
        checkCostExpression(expression, `spec.perModelQuotas[${i}].quota.costExpression`, out);
      }
      const model = perModel.modelName;
      if (typeof model !== "string") continue;
      const first = firstOf.get(model);
      if (first === undefined) firstOf.set(model, i);
      else {
        const detail = `perModelQuotas[${first}] already sets the quota of model ${model}`;
        out.push(`${duplicateValue(`spec.perModelQuotas[${i}].modelName`, model)}: ${detail}`);
      }
    }
    for (const [path, selectors] of bucketSelectors(r.spec)) checkClientSelectors(selectors, path, out);
    return out;
  },
  warnings: (r) =>
    bucketSelectors(r.spec).flatMap(([path, selectors]) => selectorFieldsNotActedOn(selectors, path)),
};

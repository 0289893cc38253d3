import { policyTargetReference } from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { anything, array, boolean, has, integer, object, type Self, string } from "./schema.js";
import { checkCostExpression } from "./semantic-checks.js";

const quotaValue = object(
  { limit: integer(), duration: string({ enum: ["1s", "1m", "1h", "1d"] }) },
  { required: ["duration", "limit"] },
);

const MATCH_TYPES = ["Exact", "RegularExpression", "Distinct"];

/** Envoy Gateway's RateLimitSelectCondition; upstream honours only headers. */
const clientSelector = object(
  {
    headers: array(
      object(
        {
          name: string({ minLength: 1, maxLength: 256 }),
          type: string({ enum: MATCH_TYPES }),
          value: string({ maxLength: 1024 }),
          invert: boolean,
        },
        { required: ["name"] },
      ),
      { maxItems: 64 },
    ),
    methods: anything,
    path: anything,
    sourceCIDR: anything,
    queryParams: anything,
  },
  {
    rules: [
      {
        message: "at least one of headers, methods, path, sourceCIDR or queryParams must be specified",
        holds: (self) =>
          ["headers", "methods", "path", "sourceCIDR", "queryParams"].some((f) => has(self, f)),
      },
    ],
  },
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
                clientSelectors: array(clientSelector, { maxItems: 8 }),
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

export const quotaPolicyValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    const service = r.spec?.serviceQuota as { costExpression?: unknown } | undefined;
    if (typeof service?.costExpression === "string") {
      checkCostExpression(service.costExpression, "spec.serviceQuota.costExpression", out);
    }
    for (const [i, perModel] of entries(r.spec?.perModelQuotas)) {
      const expression = (perModel.quota as { costExpression?: unknown } | undefined)?.costExpression;
      if (typeof expression === "string") {
        checkCostExpression(expression, `spec.perModelQuotas[${i}].quota.costExpression`, out);
      }
    }
    return out;
  },
};

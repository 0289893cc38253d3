import { poolReference } from "./inference-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { array, integer, object, string } from "./schema.js";

/**
 * InferenceObjective (`llm-d.ai/v1alpha2`, formerly `inference.networking.x-k8s.io/v1alpha2`): the
 * priority of the requests that name it (negative = sheddable) and the pool it belongs to.
 */
const objectiveSpec = object({ priority: integer(), poolRef: poolReference }, { required: ["poolRef"] });

export const inferenceObjectiveValidator: KindValidator = { schema: (r) => checkSpec(r, objectiveSpec) };

/**
 * InferenceModelRewrite (same groups): per pool, rules whose matches (exact model names; none =
 * every model) rewrite the model to one of weighted targets.
 */
const rewriteSpec = object(
  {
    poolRef: poolReference,
    rules: array(
      object(
        {
          matches: array(
            object(
              {
                model: object(
                  { type: string({ enum: ["Exact"] }), value: string({ minLength: 1, maxLength: 1024 }) },
                  { required: ["value"] },
                ),
              },
              { required: ["model"] },
            ),
          ),
          targets: array(
            object(
              {
                modelRewrite: string({ minLength: 1, maxLength: 1024 }),
                weight: integer({ minimum: 1, maximum: 1_000_000 }),
              },
              { required: ["modelRewrite"] },
            ),
            { minItems: 1 },
          ),
        },
        { required: ["targets"] },
      ),
    ),
  },
  { required: ["poolRef", "rules"] },
);

export const inferenceModelRewriteValidator: KindValidator = { schema: (r) => checkSpec(r, rewriteSpec) };

import { parseQuantity } from "../parse-quantity.js";
import { duration, policyTargetReference } from "./common-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { anything, array, has, type IntOrStringSchema, integer, object, type Self } from "./schema.js";
import { invalidField } from "./schema-messages.js";

const TARGET_GROUP = "gateway.networking.k8s.io";
const TARGET_KINDS = ["Gateway", "ListenerSet"];

/** A byte size as a resource quantity ("50Mi") or a plain number, which the gateway must parse. */
const byteSize: IntOrStringSchema = {
  type: "int-or-string",
  patterns: [
    "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
    "^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$",
  ],
  parse: (value) => (parseQuantity(value) === undefined ? "not a byte quantity aigw can read" : undefined),
};

const spec = object(
  {
    targetRef: policyTargetReference,
    targetRefs: array(policyTargetReference),
    targetSelectors: array(anything),
    connection: object({
      bufferLimit: byteSize,
      socketBufferLimit: byteSize,
      connectionLimit: object({
        value: integer({ minimum: 1 }),
        closeDelay: duration,
        maxConnectionDuration: duration,
        maxStreamDuration: duration,
      }),
    }),
  },
  {
    rules: [
      {
        message: "either targetRef or targetRefs must be used",
        holds: (s) =>
          has(s, "targetRef") !== has(s, "targetRefs") ||
          (has(s, "targetSelectors") && s.targetSelectors.length > 0),
      },
      {
        message: "this policy can only have a targetRef.group of gateway.networking.k8s.io",
        holds: (s) => !has(s, "targetRef") || s.targetRef.group === TARGET_GROUP,
      },
      {
        message: "this policy can only have a targetRef.kind of Gateway or ListenerSet",
        holds: (s) => !has(s, "targetRef") || TARGET_KINDS.includes(s.targetRef.kind),
      },
      {
        message: "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io",
        holds: (s) => !has(s, "targetRefs") || s.targetRefs.every((ref: Self) => ref.group === TARGET_GROUP),
      },
      {
        message: "this policy can only have a targetRefs[*].kind of Gateway or ListenerSet",
        holds: (s) =>
          !has(s, "targetRefs") || s.targetRefs.every((ref: Self) => TARGET_KINDS.includes(ref.kind)),
      },
    ],
  },
);

/**
 * Client certificate verification (mTLS) guards access: accepting it without enforcing it would
 * admit every client it is meant to refuse, so it is an error.
 */
function semantics(s: Self): string[] {
  if (!has(s?.tls, "clientValidation")) return [];
  const detail =
    "aigw does not verify client certificates; a policy enforced in part would let through requests it is meant to stop (use a SecurityPolicy apiKeyAuth or jwt)";
  return [invalidField("spec.tls.clientValidation", "object", detail)];
}

export const clientTrafficPolicyValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics: (r) => semantics(r.spec ?? {}),
};

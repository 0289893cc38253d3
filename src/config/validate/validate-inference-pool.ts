import { DEFAULT_PICKER_SETTINGS } from "../../inference/picker-settings.js";
import { withPoolAnnotations } from "../compile-picker-settings.js";
import type { Resource } from "../resource.js";
import { group, kind, name } from "./common-schemas.js";
import { failureMode, labels, portNumber } from "./inference-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { array, has, object, type Self, string } from "./schema.js";

/**
 * InferencePool `inference.networking.k8s.io/v1` as GIE's CRD checks it: a Service-style selector
 * (1..64 labels), 1..8 distinct target ports, the app protocol, and the endpoint picker reference
 * (optional since GIE v1.6; a Service needs its port; failureMode FailOpen | FailClose).
 */
const v1Spec = object(
  {
    selector: object(
      { matchLabels: labels({ minProperties: 1, maxProperties: 64 }) },
      { required: ["matchLabels"] },
    ),
    targetPorts: array(object({ number: portNumber }, { required: ["number"] }), {
      minItems: 1,
      maxItems: 8,
      rules: [
        {
          message: "port number must be unique",
          holds: (self: Self[]) =>
            self.every((p1) => self.filter((p2) => p2?.number === p1?.number).length === 1),
        },
      ],
    }),
    appProtocol: string({ enum: ["http", "kubernetes.io/h2c"] }),
    endpointPickerRef: object(
      { group, kind, name, port: object({ number: portNumber }, { required: ["number"] }), failureMode },
      {
        required: ["name"],
        rules: [
          {
            message: "port is required when kind is 'Service' or unspecified (defaults to 'Service')",
            holds: (self) => (self.kind ?? "Service") !== "Service" || has(self, "port"),
          },
        ],
      },
    ),
  },
  { required: ["selector", "targetPorts"] },
);

/** aigw's picker annotations (compile-picker-settings.ts) must be usable. */
function checkAnnotations(r: Resource): string[] {
  const applied = withPoolAnnotations(DEFAULT_PICKER_SETTINGS, r.metadata.annotations);
  return "error" in applied ? [applied.error] : [];
}

export const inferencePoolValidator: KindValidator = {
  schema: (r) => checkSpec(r, v1Spec),
  semantics: checkAnnotations,
};

/**
 * The pre-GA `inference.networking.x-k8s.io/v1alpha2` InferencePool (GIE <= v0.5): a plain label
 * map, one target port, and an inline extensionRef (port 9002 when unset) with its failure mode.
 */
const v1alpha2Spec = object(
  {
    selector: labels(),
    targetPortNumber: portNumber,
    extensionRef: object({ group, kind, name, portNumber, failureMode }, { required: ["name"] }),
  },
  { required: ["selector", "targetPortNumber", "extensionRef"] },
);

export const inferencePoolV1alpha2Validator: KindValidator = {
  schema: (r) => checkSpec(r, v1alpha2Spec),
  semantics: checkAnnotations,
};

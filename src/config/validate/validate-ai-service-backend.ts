import {
  backendObjectReferenceFields,
  bodyMutation,
  headerMutation,
  mustHavePortForService,
} from "./common-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { object, string } from "./schema.js";

/** Backend API schemas, in the CRD's order (error messages list them in this order). */
export const API_SCHEMAS = [
  "OpenAI",
  "Cohere",
  "AWSBedrock",
  "AzureOpenAI",
  "GCPVertexAI",
  "GCPAnthropic",
  "Anthropic",
  "AWSAnthropic",
  // aigw's own, after upstream's: the prefix keeps it clear of any name upstream may add.
  "aigw/AWSSageMaker",
] as const;

const spec = object(
  {
    schema: object(
      { name: string({ enum: API_SCHEMAS }), prefix: string(), version: string() },
      { required: ["name"] },
    ),
    backendRef: object(backendObjectReferenceFields, {
      required: ["name"],
      rules: [
        {
          message:
            "BackendRef must be a Backend resource of Envoy Gateway. See https://github.com/envoyproxy/ai-gateway/issues/902 for more details.",
          // group defaults to "" and kind to Service, so an unset pair fails like the original.
          holds: (self) =>
            (self.kind ?? "Service") === "Backend" && (self.group ?? "") === "gateway.envoyproxy.io",
        },
        mustHavePortForService,
      ],
    }),
    headerMutation,
    bodyMutation,
  },
  { required: ["backendRef", "schema"] },
);

export const aiServiceBackendValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  warnings(r) {
    const schema = r.spec?.schema as { name?: unknown; version?: unknown } | undefined;
    // Azure's deployment API refuses a request without api-version; the gateway sends none rather
    // than guess one (providers/azure-openai/azure-openai-path.ts), so the operator hears of it now.
    if (schema?.name === "AzureOpenAI" && !schema.version)
      return [
        "spec.schema.version: an AzureOpenAI backend without a version sends no api-version, which Azure OpenAI refuses; set it (e.g. 2025-01-01-preview), or use schema OpenAI with prefix /openai/v1 for Azure's v1 API",
      ];
    return [];
  },
};

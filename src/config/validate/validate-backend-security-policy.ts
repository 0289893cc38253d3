import { oidc, policyTargetReference, secretReference } from "./common-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { array, boolean, has, type ObjectSchema, object, type Rule, type Self, string } from "./schema.js";

/** Policy types, in the CRD's order, with the one spec field each type uses. */
const TYPE_FIELDS = {
  APIKey: "apiKey",
  AWSCredentials: "awsCredentials",
  AzureAPIKey: "azureAPIKey",
  AzureCredentials: "azureCredentials",
  GCPCredentials: "gcpCredentials",
  AnthropicAPIKey: "anthropicAPIKey",
} as const;

export const SECURITY_POLICY_TYPES = Object.keys(TYPE_FIELDS) as (keyof typeof TYPE_FIELDS)[];
const CREDENTIAL_FIELDS = Object.values(TYPE_FIELDS);

/** "When type is X, only x field should be set": the field of the type is set and no other. */
const onlyFieldOfTypeRules: Rule[] = SECURITY_POLICY_TYPES.map((type) => {
  const field = TYPE_FIELDS[type];
  return {
    message: `When type is ${type}, only ${field} field should be set`,
    holds: (self) =>
      self.type !== type ||
      (has(self, field) && CREDENTIAL_FIELDS.every((f) => f === field || !has(self, f))),
  };
});

const secretKeyHolder = object({ secretRef: secretReference }, { required: ["secretRef"] });

const oidcExchangeToken = object({ oidc, grantType: string(), aud: string() }, { required: ["oidc"] });

const awsCredentials = object(
  {
    region: string({ minLength: 1 }),
    credentialsFile: object({ secretRef: secretReference, profile: string() }, { required: ["secretRef"] }),
    oidcExchangeToken: object(
      { ...oidcExchangeToken.properties, awsRoleArn: string({ minLength: 1 }) },
      { required: ["awsRoleArn", "oidc"] },
    ),
  },
  { required: ["region"] },
);

const azureCredentials = object(
  {
    clientID: string({ minLength: 1 }),
    tenantID: string({ minLength: 1 }),
    clientSecretRef: secretReference,
    oidcExchangeToken,
  },
  {
    required: ["clientID", "tenantID"],
    rules: [
      {
        message: "Exactly one of clientSecretRef or oidcExchangeToken must be specified",
        holds: (self) => has(self, "clientSecretRef") !== has(self, "oidcExchangeToken"),
      },
    ],
  },
);

function gcpCredentials(rule: Rule): ObjectSchema {
  return object(
    {
      projectName: string({ minLength: 1 }),
      region: string({ minLength: 1 }),
      credentialsFile: object({ secretRef: secretReference }, { required: ["secretRef"] }),
      workloadIdentityFederationConfig: object(
        {
          projectID: string({ minLength: 1 }),
          workloadIdentityPoolName: string({ minLength: 1 }),
          workloadIdentityProviderName: string({ minLength: 1 }),
          serviceAccountImpersonation: object(
            { serviceAccountName: string({ minLength: 1 }) },
            { required: ["serviceAccountName"] },
          ),
          oidcExchangeToken,
        },
        {
          required: [
            "oidcExchangeToken",
            "projectID",
            "workloadIdentityPoolName",
            "workloadIdentityProviderName",
          ],
        },
      ),
    },
    { required: ["projectName", "region"], rules: [rule] },
  );
}

const credentialOverride = object(
  {
    fromRequestHeaders: object({ header: string(), fallbackToConfigured: boolean }),
    fromDynamicMetadata: object(
      { namespace: string({ minLength: 1 }), key: string(), fallbackToConfigured: boolean },
      { required: ["namespace"] },
    ),
  },
  { minProperties: 1, maxProperties: 1 },
);

const commonFields = {
  targetRefs: array(policyTargetReference, {
    maxItems: 16,
    rules: [
      {
        message: "targetRefs must reference AIServiceBackend or InferencePool resources",
        holds: (self: Self[]) =>
          self.every(
            (ref) =>
              (ref.group === "aigateway.envoyproxy.io" && ref.kind === "AIServiceBackend") ||
              (ref.group === "inference.networking.k8s.io" && ref.kind === "InferencePool"),
          ),
      },
    ],
  }),
  type: string({ enum: SECURITY_POLICY_TYPES }),
  apiKey: secretKeyHolder,
  azureAPIKey: secretKeyHolder,
  anthropicAPIKey: secretKeyHolder,
  awsCredentials,
  azureCredentials,
};

const v1beta1Spec = object(
  {
    ...commonFields,
    gcpCredentials: gcpCredentials({
      message: "At most one of credentialsFile or workloadIdentityFederationConfig may be specified",
      holds: (self) => !(has(self, "credentialsFile") && has(self, "workloadIdentityFederationConfig")),
    }),
    credentialOverride,
  },
  { required: ["type"], maxProperties: 4, rules: onlyFieldOfTypeRules },
);

/** v1alpha1: no credentialOverride, and GCP needs exactly one credential source (no ADC). */
const v1alpha1Spec = object(
  {
    ...commonFields,
    gcpCredentials: gcpCredentials({
      message: "Exactly one of GCPWorkloadIdentityFederationConfig or GCPCredentialsFile must be specified",
      holds: (self) => has(self, "credentialsFile") !== has(self, "workloadIdentityFederationConfig"),
    }),
  },
  { required: ["type"], maxProperties: 3, rules: onlyFieldOfTypeRules },
);

export const backendSecurityPolicyValidator: KindValidator = {
  schema: (r) => checkSpec(r, r.apiVersion.endsWith("/v1alpha1") ? v1alpha1Spec : v1beta1Spec),
};

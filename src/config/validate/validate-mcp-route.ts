import {
  backendObjectReferenceFields,
  duration,
  headerMatches,
  hostnames,
  mustHavePortForService,
  parentRefs,
  secretReference,
} from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { anything, array, has, object, type Self, string } from "./schema.js";
import { checkCelSyntax, checkHeaderRegexes, checkRegexList } from "./semantic-checks.js";

const ACTIONS = ["Allow", "Deny"];

const toolNames = array(string(), { maxItems: 32 });

const toolSelector = object(
  { include: toolNames, includeRegex: toolNames, exclude: toolNames, excludeRegex: toolNames },
  {
    rules: [
      {
        message: "include and includeRegex are mutually exclusive",
        holds: (self) => !(has(self, "include") && has(self, "includeRegex")),
      },
      {
        message: "exclude and excludeRegex are mutually exclusive",
        holds: (self) => !(has(self, "exclude") && has(self, "excludeRegex")),
      },
      {
        message: "at least one of include, includeRegex, exclude, or excludeRegex must be specified",
        holds: (self) => ["include", "includeRegex", "exclude", "excludeRegex"].some((f) => has(self, f)),
      },
    ],
  },
);

const backendAPIKey = object(
  {
    secretRef: secretReference,
    inline: string(),
    header: string({ minLength: 1 }),
    queryParam: string({ minLength: 1 }),
  },
  {
    rules: [
      {
        message: "exactly one of secretRef or inline must be set",
        holds: (self) => has(self, "secretRef") !== has(self, "inline"),
      },
      {
        message: "only one of header or queryParam can be set",
        holds: (self) => !(has(self, "header") && has(self, "queryParam")),
      },
    ],
  },
);

const backendRef = object(
  {
    ...backendObjectReferenceFields,
    path: string({ maxLength: 1024 }),
    toolSelector,
    securityPolicy: object({ apiKey: backendAPIKey }),
    forwardHeaders: array(
      object(
        { name: string({ minLength: 1 }), backendHeader: string({ minLength: 1 }) },
        { required: ["name"] },
      ),
      { maxItems: 32 },
    ),
  },
  { required: ["name"], rules: [mustHavePortForService] },
);

const jwks = object(
  {
    remoteJWKS: object(
      { uri: string({ minLength: 1, maxLength: 253 }), cacheDuration: duration },
      {
        required: ["uri"],
        rules: [
          {
            message: "BackendRefs must be used, backendRef is not supported.",
            holds: (s) => !has(s, "backendRef"),
          },
        ],
      },
    ),
    localJWKS: object(
      {
        type: string({ enum: ["Inline", "ValueRef"] }),
        inline: string(),
        valueRef: object(
          {
            group: string({ maxLength: 253 }),
            kind: string({ minLength: 1, maxLength: 63 }),
            name: string({ minLength: 1, maxLength: 253 }),
          },
          { required: ["group", "kind", "name"] },
        ),
      },
      {
        rules: [
          {
            message: "Exactly one of inline or valueRef must be set with correct type.",
            holds: (self) => {
              const type = self.type ?? "Inline";
              return (
                (type === "Inline" && has(self, "inline") && !has(self, "valueRef")) ||
                (type === "ValueRef" && !has(self, "inline") && has(self, "valueRef"))
              );
            },
          },
        ],
      },
    ),
  },
  {
    rules: [
      {
        message: "either remoteJWKS or localJWKS must be specified.",
        holds: (self) => has(self, "remoteJWKS") || has(self, "localJWKS"),
      },
      {
        message: "remoteJWKS and localJWKS cannot both be specified.",
        holds: (self) => !(has(self, "remoteJWKS") && has(self, "localJWKS")),
      },
    ],
  },
);

const oauth = object(
  {
    issuer: string({ format: "uri" }),
    audiences: array(string(), { maxItems: 32 }),
    jwks,
    protectedResourceMetadata: object(
      {
        resource: string({ format: "uri" }),
        resourceName: string({ maxLength: 256 }),
        scopesSupported: array(string(), { maxItems: 32 }),
        resourceSigningAlgValuesSupported: array(string(), { minItems: 1, maxItems: 16 }),
        resourceDocumentation: string({ format: "uri" }),
        resourcePolicyUri: string({ format: "uri" }),
      },
      { required: ["resource"] },
    ),
    claimToHeaders: array(object({ claim: string(), header: string() }, { required: ["claim", "header"] }), {
      maxItems: 16,
    }),
  },
  { required: ["issuer", "protectedResourceMetadata"] },
);

const jwtSource = object(
  {
    scopes: array(string({ minLength: 1, maxLength: 253 }), { maxItems: 16 }),
    claims: array(
      object(
        {
          name: string({ minLength: 1, maxLength: 253 }),
          valueType: string({ enum: ["String", "StringArray"] }),
          values: array(string(), { minItems: 1, maxItems: 128 }),
        },
        { required: ["name", "values"] },
      ),
      {
        maxItems: 16,
        rules: [
          {
            message: "'scope' claim name is reserved for OAuth scopes",
            holds: (self: Self[]) => !self.some((c) => c?.name === "scope"),
          },
        ],
      },
    ),
  },
  {
    rules: [
      {
        message: "either scopes or claims must be specified",
        holds: (self) => self.scopes?.length > 0 || self.claims?.length > 0,
      },
    ],
  },
);

const authorization = object({
  defaultAction: string({ enum: ACTIONS }),
  rules: array(
    object({
      source: object({ jwt: jwtSource }, { required: ["jwt"] }),
      target: object(
        {
          tools: array(object({ backend: string(), tool: string() }, { required: ["backend", "tool"] }), {
            minItems: 1,
            maxItems: 16,
          }),
        },
        { required: ["tools"] },
      ),
      cel: string({ maxLength: 4096 }),
      action: string({ enum: ACTIONS }),
    }),
    { maxItems: 32 },
  ),
});

const securityPolicy = object(
  {
    oauth,
    apiKeyAuth: object(
      { credentialRefs: anything, extractFrom: anything },
      { required: ["credentialRefs", "extractFrom"] },
    ),
    extAuth: object(
      {},
      {
        rules: [
          {
            message: "one of grpc or http must be specified",
            holds: (s) => has(s, "grpc") || has(s, "http"),
          },
          {
            message: "only one of grpc or http can be specified",
            holds: (s) => !(has(s, "grpc") && has(s, "http")),
          },
        ],
      },
    ),
    authorization,
  },
  {
    rules: [
      {
        message: "oauth must be configured when any authorization rule uses a jwt source",
        holds: (self) =>
          !(
            has(self, "authorization") &&
            (self.authorization.rules ?? []).some((r: Self) => has(r?.source, "jwt")) &&
            !has(self, "oauth")
          ),
      },
    ],
  },
);

const spec = object(
  {
    parentRefs: parentRefs(1),
    path: string({ maxLength: 1024 }),
    hostnames,
    headers: headerMatches,
    backendRefs: array(backendRef, {
      minItems: 1,
      maxItems: 256,
      rules: [
        {
          message: "all backendRefs names must be unique",
          holds: (self: Self[]) => self.every((i) => self.filter((j) => j?.name === i?.name).length === 1),
        },
      ],
    }),
    securityPolicy,
    backendSelector: object({
      defaultAction: string({ enum: ACTIONS }),
      rules: array(object({ cel: string({ maxLength: 4096 }), action: string({ enum: ACTIONS }) }), {
        maxItems: 32,
      }),
    }),
  },
  { required: ["backendRefs", "parentRefs"] },
);

export const mcpRouteValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    checkHeaderRegexes(r.spec?.headers, "spec.headers", out);
    for (const [i, ref] of entries(r.spec?.backendRefs)) {
      const selector = ref.toolSelector as Record<string, unknown> | undefined;
      checkRegexList(selector?.includeRegex, `spec.backendRefs[${i}].toolSelector.includeRegex`, out);
      checkRegexList(selector?.excludeRegex, `spec.backendRefs[${i}].toolSelector.excludeRegex`, out);
    }
    const authz = (r.spec?.securityPolicy as { authorization?: { rules?: unknown } } | undefined)
      ?.authorization;
    for (const [i, rule] of entries(authz?.rules)) {
      checkCelSyntax(rule.cel, `spec.securityPolicy.authorization.rules[${i}].cel`, out);
    }
    for (const [i, rule] of entries((r.spec?.backendSelector as { rules?: unknown } | undefined)?.rules)) {
      checkCelSyntax(rule.cel, `spec.backendSelector.rules[${i}].cel`, out);
    }
    return out;
  },
};

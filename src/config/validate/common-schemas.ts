/**
 * Schema pieces the CRDs share: Gateway API references, header matches and mutations, durations,
 * policy target references, LLM request costs, Envoy Gateway's OIDC block and its rate-limit client
 * selectors.
 */
import { parseDuration } from "../parse-duration.js";
import { array, boolean, has, integer, object, type Rule, type Schema, type Self, string } from "./schema.js";

export const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
export const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const GROUP = "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const KIND = "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$";
const HOSTNAME = "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
const DURATION = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";

export const group = string({ maxLength: 253, pattern: GROUP });
export const kind = string({ minLength: 1, maxLength: 63, pattern: KIND });
export const name = string({ minLength: 1, maxLength: 253 });
export const namespace = string({ minLength: 1, maxLength: 63, pattern: DNS_LABEL });
export const port = integer({ minimum: 1, maximum: 65535 });
export const sectionName = string({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN });
export const hostname = string({ minLength: 1, maxLength: 253, pattern: HOSTNAME });
export const hostnames = array(hostname, { maxItems: 16 });

/** A Gateway API Duration, which the gateway must also be able to parse. */
export const duration = string({
  pattern: DURATION,
  parse: (value) => (parseDuration(value) === undefined ? "not a valid duration" : undefined),
});

/** Gateway API ParentReference. */
export const parentReference = object(
  { group, kind, name, namespace, port, sectionName },
  { required: ["name"] },
);

/** `parentRefs` of the AI routes: only Gateways (kind defaults to Gateway). */
export function parentRefs(minItems?: number): Schema {
  return array(parentReference, {
    maxItems: 16,
    ...(minItems === undefined ? {} : { minItems }),
    rules: [
      {
        message: "only Gateway is supported",
        holds: (self: Self[]) => self.every((ref) => (ref?.kind ?? "Gateway") === "Gateway"),
      },
    ],
  });
}

/** Gateway API SecretObjectReference (group defaults to "", kind to Secret). */
export const secretReference = object({ group, kind, name, namespace }, { required: ["name"] });

/** Gateway API BackendObjectReference: kind defaults to Service, which then needs a port. */
export const backendObjectReferenceFields = { group, kind, name, namespace, port };

export const mustHavePortForService: Rule = {
  message: "Must have port for Service reference",
  holds: (self) =>
    (self.group ?? "") === "" && (self.kind ?? "Service") === "Service" ? has(self, "port") : true,
};

/** Gateway API LocalPolicyTargetReference(WithSectionName), as used by policy targetRefs. */
export const policyTargetReference = object(
  { group, kind, name, sectionName },
  { required: ["group", "kind", "name"] },
);

/** Gateway API HTTPHeaderMatch list (Exact or RegularExpression). */
export const headerMatches = array(
  object(
    {
      name: string({ minLength: 1, maxLength: 256, pattern: HEADER_NAME }),
      type: string({ enum: ["Exact", "RegularExpression"] }),
      value: string({ minLength: 1, maxLength: 4096 }),
    },
    { required: ["name", "value"] },
  ),
  { maxItems: 16, mapKeys: ["name"] },
);

export const headerMutation = object({
  set: array(
    object(
      {
        name: string({ minLength: 1, maxLength: 256, pattern: HEADER_NAME }),
        value: string({ minLength: 1, maxLength: 4096 }),
      },
      { required: ["name", "value"] },
    ),
    { maxItems: 16, mapKeys: ["name"] },
  ),
  remove: array(string(), { maxItems: 16, set: true }),
});

export const bodyMutation = object({
  set: array(object({ path: string({ minLength: 1 }), value: string() }, { required: ["path", "value"] }), {
    maxItems: 16,
    mapKeys: ["path"],
  }),
  remove: array(string(), { maxItems: 16, set: true }),
});

/** LLMRequestCost type values, in the CRD's order. */
export const LLM_REQUEST_COST_TYPES = [
  "OutputToken",
  "InputToken",
  "CachedInputToken",
  "CacheCreationInputToken",
  "TotalToken",
  "ReasoningToken",
  "CEL",
] as const;

export const llmRequestCost = object(
  { metadataKey: string(), type: string({ enum: LLM_REQUEST_COST_TYPES }), cel: string() },
  { required: ["metadataKey", "type"] },
);

/** Envoy Gateway's OIDC block, as embedded in the OIDC token exchange of BackendSecurityPolicy. */
export const oidc = object(
  {
    provider: object(
      { issuer: string({ minLength: 1 }) },
      {
        required: ["issuer"],
        rules: [
          {
            message: "BackendRefs must be used, backendRef is not supported.",
            holds: (s) => !has(s, "backendRef"),
          },
        ],
      },
    ),
    clientID: string({ minLength: 1 }),
    clientIDRef: secretReference,
    clientSecret: secretReference,
  },
  {
    required: ["clientSecret", "provider"],
    rules: [
      {
        message: "only one of clientID or clientIDRef must be set",
        holds: (s) => has(s, "clientID") !== has(s, "clientIDRef"),
      },
      {
        message: "forwardAccessToken cannot be true when forwardIDToken.header is Authorization",
        holds: (s) =>
          !(
            s.forwardAccessToken === true &&
            String(s.forwardIDToken?.header ?? "").toLowerCase() === "authorization"
          ),
      },
    ],
  },
);

/**
 * Envoy Gateway's RateLimitSelectCondition, the `clientSelectors` entry of a BackendTrafficPolicy
 * rate-limit rule and of a QuotaPolicy bucket rule (item counts as Envoy Gateway's current CRD).
 * aigw selects on `headers` and `sourceCIDR`; the other fields are checked as the CRD checks them
 * and earn a warning (selectorFieldsNotActedOn). What the controller refuses later is
 * checkClientSelectors' job.
 */
/** Header or query-parameter conditions of a RateLimitSelectCondition (they differ only in count). */
function namedMatches(maxItems: number) {
  return array(
    object(
      {
        name: string({ minLength: 1, maxLength: 256 }),
        type: string({ enum: ["Exact", "RegularExpression", "Distinct"] }),
        value: string({ maxLength: 1024 }),
        invert: boolean,
      },
      { required: ["name"] },
    ),
    { maxItems },
  );
}

export const rateLimitSelectCondition = object(
  {
    headers: namedMatches(128),
    sourceCIDR: object(
      {
        type: string({ enum: ["Exact", "Distinct"] }),
        value: string({ minLength: 1, maxLength: 256 }),
        invert: boolean,
      },
      { required: ["value"] },
    ),
    methods: array(
      object(
        {
          value: string({
            enum: ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"],
          }),
          invert: boolean,
        },
        { required: ["value"] },
      ),
    ),
    path: object(
      {
        type: string({ enum: ["Exact", "PathPrefix", "RegularExpression"] }),
        value: string({ maxLength: 1024 }),
        invert: boolean,
      },
      { required: ["value"] },
    ),
    queryParams: namedMatches(16),
  },
  {
    rules: [
      {
        message: "at least one of headers, methods, path, sourceCIDR or queryParams must be specified",
        holds: (s) => ["headers", "methods", "path", "sourceCIDR", "queryParams"].some((f) => has(s, f)),
      },
    ],
  },
);

/**
 * Envoy Gateway's SecurityPolicy (gateway.envoyproxy.io/v1alpha1), checked like its CRD for the
 * parts aigw enforces (`apiKeyAuth`, `jwt`, `authorization`) plus what Envoy Gateway's controller
 * refuses later. A SecurityPolicy guards access, so what aigw cannot enforce as written is an
 * error, not a warning: a policy whose `basicAuth`, `oidc`, `extAuth` or `csrf` were ignored, or
 * whose rules matched more or less than written, would let through requests it was meant to stop.
 * Only `cors` (a browser convenience) is accepted with a warning. Secrets, ConfigMaps and targets
 * are validate-references.ts's job.
 */

import { localJwks } from "../../auth/jwks-keys.js";
import { producedHeaderProblem } from "../../auth/produced-headers.js";
import { isAIGatewayRouteRef } from "../compile-traffic-policies.js";
import { AIGW_GROUP, GATEWAY_API_GROUP } from "../resource.js";
import { duration, policyTargetReference, secretReference } from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { anything, array, boolean, has, object, type Rule, type Self, string } from "./schema.js";
import { invalidField } from "./schema-messages.js";
import { cidrProblem } from "./semantic-checks.js";

/** The target kinds of the CRD's CEL rules, all of group gateway.networking.k8s.io. */
const CRD_TARGET_KINDS = ["Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute", "TCPRoute"];
const ROUTE_KINDS = ["HTTPRoute", "GRPCRoute", "TCPRoute"];

/** An AIGatewayRoute target (aigw's extension) counts as an HTTPRoute wherever the CRD lists route kinds. */
const groupOk = (ref: Self) => ref?.group === GATEWAY_API_GROUP || isAIGatewayRouteRef(ref);
const kindIn = (kinds: readonly string[]) => (ref: Self) =>
  kinds.includes(ref?.kind) || (kinds.includes("HTTPRoute") && isAIGatewayRouteRef(ref));

/** Parts of the spec that guard access and that aigw does not enforce: each is refused. */
const UNENFORCED: Readonly<Record<string, string>> = {
  basicAuth: "aigw does not enforce basicAuth; use apiKeyAuth or jwt",
  oidc: "aigw does not run the OIDC login flow; use jwt to verify the tokens your identity provider issues",
  extAuth: "aigw does not call external authorization services",
  csrf: "aigw does not enforce csrf",
};

const nonEmptyNames = array(string({ minLength: 1 }), { minItems: 1 });

const apiKeyAuth = object(
  {
    credentialRefs: array(secretReference),
    extractFrom: array(
      object(
        { headers: nonEmptyNames, params: nonEmptyNames, cookies: nonEmptyNames },
        {
          rules: [
            {
              message: "exactly one of headers, params, or cookies must be specified",
              holds: (s) => ["headers", "params", "cookies"].filter((f) => has(s, f)).length === 1,
            },
          ],
        },
      ),
      { minItems: 1 },
    ),
    forwardClientIDHeader: string(),
    sanitize: boolean,
  },
  { required: ["credentialRefs", "extractFrom"] },
);

const remoteJWKS = object(
  {
    uri: string({ minLength: 1, maxLength: 253 }),
    cacheDuration: duration,
    failedRefetchDuration: duration,
    backendRef: anything,
    backendRefs: anything,
    backendSettings: anything,
  },
  {
    required: ["uri"],
    rules: [
      {
        message: "BackendRefs must be used, backendRef is not supported.",
        holds: (s) => !has(s, "backendRef"),
      },
    ],
  },
);

const localJWKS = object(
  {
    type: string({ enum: ["Inline", "ValueRef"] }),
    inline: string(),
    valueRef: object(
      { group: string({ maxLength: 253 }), kind: string({ minLength: 1, maxLength: 63 }), name: string() },
      { required: ["group", "kind", "name"] },
    ),
  },
  {
    rules: [
      {
        message: "Exactly one of inline or valueRef must be set with correct type.",
        holds: (s) => {
          const type = s.type ?? "Inline";
          return (
            (type === "Inline" && has(s, "inline") && !has(s, "valueRef")) ||
            (type === "ValueRef" && !has(s, "inline") && has(s, "valueRef"))
          );
        },
      },
    ],
  },
);

const provider = object(
  {
    name: string({ minLength: 1, maxLength: 253 }),
    issuer: string({ maxLength: 253 }),
    audiences: array(string(), { maxItems: 8 }),
    remoteJWKS,
    localJWKS,
    claimToHeaders: array(object({ header: string(), claim: string() }, { required: ["claim", "header"] })),
    recomputeRoute: boolean,
    extractFrom: object({
      headers: array(object({ name: string(), valuePrefix: string() }, { required: ["name"] })),
      cookies: array(string()),
      params: array(string()),
    }),
  },
  {
    required: ["name"],
    rules: [
      {
        message: "claimToHeaders must be specified if recomputeRoute is enabled.",
        holds: (s) => s.recomputeRoute !== true || (s.claimToHeaders?.length ?? 0) > 0,
      },
      {
        message: "either remoteJWKS or localJWKS must be specified.",
        holds: (s) => has(s, "remoteJWKS") || has(s, "localJWKS"),
      },
      {
        message: "remoteJWKS and localJWKS cannot both be specified.",
        holds: (s) => !(has(s, "remoteJWKS") && has(s, "localJWKS")),
      },
    ],
  },
);

const jwt = object(
  { optional: boolean, failOpen: boolean, providers: array(provider, { minItems: 1, maxItems: 16 }) },
  {
    required: ["providers"],
    rules: [
      {
        message: "optional and failOpen cannot both be set; failOpen already tolerates a missing JWT",
        holds: (s) => !(has(s, "optional") && has(s, "failOpen")),
      },
    ],
  },
);

const action = string({ enum: ["Allow", "Deny"] });

const principal = object(
  {
    clientCIDRs: array(string(), { minItems: 1 }),
    jwt: object(
      {
        provider: string({ minLength: 1, maxLength: 253 }),
        claims: array(
          object(
            {
              name: string({ minLength: 1, maxLength: 253 }),
              valueType: string({ enum: ["String", "StringArray"] }),
              values: array(string(), { minItems: 1, maxItems: 128 }),
            },
            { required: ["name", "values"] },
          ),
          { minItems: 1, maxItems: 16 },
        ),
        scopes: array(string({ minLength: 1, maxLength: 253 }), { minItems: 1, maxItems: 16 }),
      },
      {
        required: ["provider"],
        rules: [
          {
            message: "at least one of claims or scopes must be specified",
            holds: (s) => has(s, "claims") || has(s, "scopes"),
          },
        ],
      },
    ),
    headers: array(
      object(
        {
          name: string({ minLength: 1, maxLength: 256 }),
          values: array(string(), { minItems: 1, maxItems: 256 }),
        },
        { required: ["name", "values"] },
      ),
      { minItems: 1, maxItems: 256 },
    ),
    clientIPGeoLocations: anything,
  },
  {
    rules: [
      {
        message: "at least one of clientCIDRs, jwt, headers, or clientIPGeoLocations must be specified",
        holds: (s) => ["clientCIDRs", "jwt", "headers", "clientIPGeoLocations"].some((f) => has(s, f)),
      },
    ],
  },
);

const authorization = object({
  defaultAction: action,
  rules: array(
    object(
      {
        name: string({ minLength: 1, maxLength: 253 }),
        action,
        operation: anything,
        principal,
        cel: string({ minLength: 1, maxLength: 4096 }),
      },
      {
        required: ["action"],
        rules: [
          {
            message: "at least one of principal or cel must be specified",
            holds: (s) => has(s, "principal") || has(s, "cel"),
          },
        ],
      },
    ),
  ),
});

const specRules: Rule[] = [
  {
    message: "either targetRef or targetRefs must be used",
    holds: (s) =>
      has(s, "targetRef") !== has(s, "targetRefs") ||
      (has(s, "targetSelectors") && s.targetSelectors.length > 0),
  },
  {
    message: "this policy can only have a targetRef.group of gateway.networking.k8s.io",
    holds: (s) => !has(s, "targetRef") || groupOk(s.targetRef),
  },
  {
    message: "this policy can only have a targetRef.kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute",
    holds: (s) => !has(s, "targetRef") || kindIn(CRD_TARGET_KINDS)(s.targetRef),
  },
  {
    message: "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io",
    holds: (s) => !has(s, "targetRefs") || s.targetRefs.every(groupOk),
  },
  {
    message:
      "this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute",
    holds: (s) => !has(s, "targetRefs") || s.targetRefs.every(kindIn(CRD_TARGET_KINDS)),
  },
  {
    message: "mergeType can only be used with xRoute targets",
    holds: (s) =>
      !has(s, "mergeType") ||
      ((!has(s, "targetRef") || kindIn(ROUTE_KINDS)(s.targetRef)) &&
        (!has(s, "targetRefs") || s.targetRefs.every(kindIn(ROUTE_KINDS)))),
  },
  {
    message: "if authorization.rules.principal.jwt is used, jwt must be defined",
    holds: (s) =>
      !(s.authorization?.rules ?? []).some((r: Self) => has(r?.principal, "jwt")) || has(s, "jwt"),
  },
];

const spec = object(
  {
    targetRef: policyTargetReference,
    targetRefs: array(policyTargetReference),
    targetSelectors: anything,
    mergeType: string({
      rules: [
        {
          message: "Replace is not a valid MergeType for SecurityPolicy",
          holds: (s) => s !== "Replace",
        },
      ],
    }),
    apiKeyAuth,
    jwt,
    authorization,
    cors: anything,
    ...Object.fromEntries(Object.keys(UNENFORCED).map((field) => [field, anything])),
  },
  { rules: specRules },
);

/** A value as a message shows it: scalars as they are, objects and lists by their type. */
function shown(value: unknown): unknown {
  if (Array.isArray(value)) return "array";
  return typeof value === "object" && value !== null ? "object" : value;
}

function targetRefs(s: Self): [string, Self][] {
  const out: [string, Self][] = [];
  if (has(s, "targetRef")) out.push(["spec.targetRef", s.targetRef]);
  for (const [i, ref] of entries(s.targetRefs)) out.push([`spec.targetRefs[${i}]`, ref]);
  return out;
}

/** The part of a Kubernetes qualified name after an optional DNS-subdomain prefix. */
const QUALIFIED_NAME =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/** What aigw cannot enforce as written, and what Envoy Gateway's controller refuses. */
function semantics(s: Self): string[] {
  const out: string[] = [];
  const refuse = (path: string, value: unknown, detail: string) =>
    out.push(invalidField(path, shown(value), detail));
  for (const [field, detail] of Object.entries(UNENFORCED)) {
    if (has(s, field))
      refuse(
        `spec.${field}`,
        s[field],
        `${detail}; a policy enforced in part would let through requests it is meant to stop`,
      );
  }
  if (has(s, "mergeType")) {
    refuse(
      "spec.mergeType",
      s.mergeType,
      "aigw does not merge SecurityPolicies; write the whole policy on the route (it replaces the Gateway's)",
    );
  }
  if (has(s, "targetSelectors") && s.targetSelectors.length > 0) {
    refuse(
      "spec.targetSelectors",
      s.targetSelectors,
      "aigw does not select targets by label; use targetRefs",
    );
  }
  for (const [path, ref] of targetRefs(s)) {
    if (ref?.kind === "AIGatewayRoute" && ref.group !== AIGW_GROUP) {
      refuse(`${path}.group`, ref.group ?? "", `kind AIGatewayRoute is of group ${AIGW_GROUP}`);
    }
    if (has(ref, "sectionName")) {
      refuse(
        `${path}.sectionName`,
        ref.sectionName,
        "aigw applies policies to whole Gateways and routes only; target the Gateway or the route",
      );
    }
  }
  if (has(s, "apiKeyAuth")) apiKeyAuthErrors(s.apiKeyAuth, out);
  if (has(s, "jwt")) jwtErrors(s.jwt, out);
  if (has(s, "authorization")) authorizationErrors(s.authorization, s.jwt, out);
  return out;
}

function apiKeyAuthErrors(a: Self, out: string[]): void {
  const sources = new Set<string>();
  for (const [, from] of entries(a.extractFrom) as [number, Self][]) {
    for (const name of from.headers ?? []) if (typeof name === "string") sources.add(name.toLowerCase());
  }
  if (typeof a.forwardClientIDHeader === "string") {
    producedHeaderErrors(a.forwardClientIDHeader, "spec.apiKeyAuth.forwardClientIDHeader", sources, out);
  }
}

function jwtErrors(j: Self, out: string[]): void {
  const names = new Set<string>();
  for (const [i, p] of entries(j.providers) as [number, Self][]) {
    const path = `spec.jwt.providers[${i}]`;
    if (typeof p.name === "string") {
      if (!QUALIFIED_NAME.test(p.name)) {
        out.push(
          invalidField(
            `${path}.name`,
            p.name,
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          ),
        );
      }
      if (names.has(p.name))
        out.push(invalidField(`${path}.name`, p.name, `provider name ${p.name} must be unique`));
      names.add(p.name);
    }
    const issuer = p.issuer;
    if (typeof issuer === "string" && issuer.includes(":") && !URL.canParse(issuer)) {
      out.push(
        invalidField(
          `${path}.issuer`,
          issuer,
          "invalid issuer; when issuer contains ':' character, it MUST be a valid URI",
        ),
      );
    } else if (typeof issuer === "string" && issuer.includes("@") && !EMAIL.test(issuer)) {
      out.push(
        invalidField(
          `${path}.issuer`,
          issuer,
          "invalid issuer; when issuer contains '@' character, it MUST be a valid Email Address format",
        ),
      );
    }
    const uri = p.remoteJWKS?.uri;
    const scheme = typeof uri === "string" && URL.canParse(uri) ? new URL(uri).protocol : "";
    if (typeof uri === "string" && scheme !== "http:" && scheme !== "https:") {
      out.push(
        invalidField(
          `${path}.remoteJWKS.uri`,
          uri,
          "invalid remote JWKS URI: an http or https URL is needed",
        ),
      );
    }
    const local = p.localJWKS;
    if ((local?.type ?? "Inline") === "Inline" && typeof local?.inline === "string") {
      try {
        localJwks(local.inline);
      } catch (err) {
        out.push(invalidField(`${path}.localJWKS.inline`, "string", (err as Error).message));
      }
    }
    const sources = new Set<string>(
      p.extractFrom
        ? entries(p.extractFrom.headers).map(([, h]) => String(h.name).toLowerCase())
        : ["authorization"],
    );
    for (const [k, c] of entries(p.claimToHeaders)) {
      if (typeof c.header === "string")
        producedHeaderErrors(c.header, `${path}.claimToHeaders[${k}].header`, sources, out);
      if (c.claim === "")
        out.push(invalidField(`${path}.claimToHeaders[${k}].claim`, "", "claim must be set"));
    }
  }
}

/** A produced header: a name the gateway may set, and not a place the credential is read from. */
function producedHeaderErrors(name: string, path: string, sources: ReadonlySet<string>, out: string[]): void {
  const problem = producedHeaderProblem(name);
  if (problem) out.push(invalidField(path, name, problem));
  else if (sources.has(name.toLowerCase())) {
    out.push(
      invalidField(path, name, "the policy reads its credential from this header, which it would overwrite"),
    );
  }
}

function authorizationErrors(a: Self, j: Self, out: string[]): void {
  const providers = new Set(entries(j?.providers).map(([, p]) => p.name));
  for (const [i, rule] of entries(a.rules)) {
    const path = `spec.authorization.rules[${i}]`;
    const exact =
      "aigw cannot evaluate it, and a rule matching more or less than written would let through requests it is meant to stop";
    if (has(rule, "operation"))
      out.push(
        invalidField(`${path}.operation`, "object", `aigw does not match rules on operation; ${exact}`),
      );
    if (has(rule, "cel"))
      out.push(invalidField(`${path}.cel`, rule.cel, `aigw does not evaluate authorization CEL; ${exact}`));
    const p = rule.principal as Self;
    if (has(p, "clientIPGeoLocations")) {
      out.push(
        invalidField(
          `${path}.principal.clientIPGeoLocations`,
          "array",
          `aigw has no GeoIP database; ${exact}`,
        ),
      );
    }
    for (const [k, cidr] of (Array.isArray(p?.clientCIDRs) ? p.clientCIDRs : []).entries()) {
      const problem = typeof cidr === "string" ? cidrProblem(cidr) : undefined;
      if (problem) out.push(invalidField(`${path}.principal.clientCIDRs[${k}]`, cidr, problem));
    }
    const provider = p?.jwt?.provider;
    if (typeof provider === "string" && providers.size > 0 && !providers.has(provider)) {
      out.push(
        invalidField(
          `${path}.principal.jwt.provider`,
          provider,
          `no jwt provider of this policy is named ${provider}`,
        ),
      );
    }
  }
}

/** Valid configuration aigw does not act on, where that opens nothing. */
function warnings(s: Self): string[] {
  const out: string[] = [];
  if (has(s, "cors")) {
    out.push(
      invalidField(
        "spec.cors",
        "object",
        "not acted on by aigw: no CORS headers are added and preflight requests are not answered",
      ),
    );
  }
  for (const [path, ref] of targetRefs(s)) {
    if (groupOk(ref) && ["ListenerSet", "GRPCRoute", "TCPRoute"].includes(ref?.kind)) {
      out.push(
        invalidField(`${path}.kind`, ref.kind, `aigw serves no ${ref.kind}; this target applies to nothing`),
      );
    }
  }
  for (const [i, p] of entries(s.jwt?.providers) as [number, Self][]) {
    for (const field of ["backendRefs", "backendSettings"]) {
      if (has(p.remoteJWKS, field)) {
        out.push(
          invalidField(
            `spec.jwt.providers[${i}].remoteJWKS.${field}`,
            shown(p.remoteJWKS[field]),
            "not acted on by aigw: the key set is fetched from uri directly",
          ),
        );
      }
    }
  }
  return out;
}

export const securityPolicyValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics: (r) => semantics(r.spec ?? {}),
  warnings: (r) => warnings(r.spec ?? {}),
};

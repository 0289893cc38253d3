import { parseDuration } from "../parse-duration.js";
import { INFERENCE_GROUP } from "../resource.js";
import {
  bodyMutation,
  DNS_SUBDOMAIN,
  duration,
  group,
  headerMatches,
  headerMutation,
  hostnames,
  llmRequestCost,
  namespace,
  parentRefs,
} from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { array, has, integer, object, type Self, string } from "./schema.js";
import { checkCosts, checkHeaderRegexes } from "./semantic-checks.js";

const backendRef = object(
  {
    name: string({ minLength: 1 }),
    namespace,
    group,
    kind: string({ maxLength: 63, pattern: "^$|^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$" }),
    weight: integer({ minimum: 0 }),
    priority: integer({ minimum: 0 }),
    modelNameOverride: string(),
    headerMutation,
    bodyMutation,
  },
  {
    required: ["name"],
    rules: [
      {
        message: "group and kind must be specified together",
        holds: (self) => has(self, "group") === has(self, "kind"),
      },
      {
        message: "only InferencePool from inference.networking.k8s.io group is supported",
        holds: (self) =>
          !has(self, "group") || (self.group === INFERENCE_GROUP && self.kind === "InferencePool"),
      },
    ],
  },
);

/** A reference with group and kind set is an InferencePool reference (the CRD rules make it one). */
const isPoolRef = (ref: Self) => has(ref, "group") && has(ref, "kind");

const timeouts = object(
  { request: duration, backendRequest: duration },
  {
    rules: [
      {
        message: "backendRequest timeout cannot be longer than request timeout",
        holds: (self) => {
          if (!has(self, "request") || !has(self, "backendRequest")) return true;
          const request = parseDuration(self.request);
          const backendRequest = parseDuration(self.backendRequest);
          if (request === undefined || backendRequest === undefined) throw new Error("unparsable duration");
          return request === 0 || backendRequest <= request;
        },
      },
    ],
  },
);

const rule = object(
  {
    name: string({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
    matches: array(object({ headers: headerMatches }), { maxItems: 128 }),
    backendRefs: array(backendRef, { maxItems: 128 }),
    timeouts,
    streamIdleTimeout: duration,
    modelsOwnedBy: string(),
    modelsCreatedAt: string({ format: "date-time" }),
  },
  {
    rules: [
      { message: "rule name route-not-found is reserved", holds: (self) => self.name !== "route-not-found" },
      {
        message: "cannot mix InferencePool and AIServiceBackend references in the same rule",
        holds: (self) => {
          const refs: Self[] = self.backendRefs ?? [];
          return refs.every(isPoolRef) || refs.every((ref) => !has(ref, "group") && !has(ref, "kind"));
        },
      },
      {
        message: "only one InferencePool backend is allowed per rule",
        holds: (self) => {
          const refs: Self[] = self.backendRefs ?? [];
          return !refs.some(isPoolRef) || refs.length === 1;
        },
      },
    ],
  },
);

const spec = object(
  {
    parentRefs: parentRefs(),
    hostnames,
    rules: array(rule, {
      maxItems: 15,
      rules: [
        {
          message: "rule name must be unique within the route",
          holds: (self: Self[]) =>
            self.every((r1) => !has(r1, "name") || self.filter((r2) => r2?.name === r1.name).length === 1),
        },
      ],
    }),
    llmRequestCosts: array(llmRequestCost, { maxItems: 36 }),
  },
  { required: ["rules"] },
);

export const aiGatewayRouteValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    checkCosts(r.spec?.llmRequestCosts, "spec.llmRequestCosts", out);
    for (const [i, ruleSpec] of entries(r.spec?.rules)) {
      const rulePath = `spec.rules[${i}]`;
      for (const [j, match] of entries(ruleSpec.matches)) {
        checkHeaderRegexes(match.headers, `${rulePath}.matches[${j}].headers`, out);
      }
    }
    return out;
  },
  /** Upstream ignores these on an InferencePool reference (the pool's endpoints get the request as sent). */
  warnings(r) {
    const out: string[] = [];
    for (const [i, ruleSpec] of entries(r.spec?.rules)) {
      for (const [j, ref] of entries(ruleSpec.backendRefs)) {
        if (!isPoolRef(ref)) continue;
        for (const field of POOL_IGNORED_FIELDS) {
          if (has(ref, field)) {
            out.push(`spec.rules[${i}].backendRefs[${j}].${field}: ignored on an InferencePool reference`);
          }
        }
      }
    }
    return out;
  },
};

const POOL_IGNORED_FIELDS = ["modelNameOverride", "headerMutation", "bodyMutation", "priority"];

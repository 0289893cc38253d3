/**
 * Envoy Gateway's BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1), checked like its CRD for
 * the fields aigw compiles: the resilience fields (`retry`, `healthCheck`, `circuitBreaker`), which
 * compile-traffic-policies.ts turns into a route's TrafficPolicy, `rateLimit`, which
 * limits/compile-rate-limit.ts turns into token and request limits, and `timeout`. The other
 * fields (`loadBalancer`, `faultInjection` ...) are accepted as they are and earn a warning, since
 * aigw does not act on them. Whether a rate limit's cost keys exist on the routes it applies to is
 * validate-rate-limit-costs.ts's job.
 */
import { AI_GATEWAY_METADATA_NAMESPACE } from "../../limits/compile-rate-limit.js";
import { WINDOW_MS } from "../../limits/fixed-window.js";
import { DEFAULT_TRAFFIC_POLICY, type RetryTrigger } from "../../upstream/traffic-policy.js";
import { ADMISSION_ESTIMATE_ANNOTATION } from "../compile-limits.js";
import { isAIGatewayRouteRef } from "../compile-traffic-policies.js";
import { requiredValue } from "../field-error.js";
import { parseDuration } from "../parse-duration.js";
import { AIGW_GROUP, GATEWAY_API_GROUP, type Resource } from "../resource.js";
import {
  duration,
  group,
  hostname,
  kind,
  policyTargetReference,
  rateLimitSelectCondition,
} from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { anything, array, boolean, has, integer, object, type Rule, type Self, string } from "./schema.js";
import { invalidField } from "./schema-messages.js";
import { checkClientSelectors, selectorFieldsNotActedOn } from "./semantic-checks.js";

export const RETRY_TRIGGERS = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
] as const satisfies readonly RetryTrigger[];

/** The target kinds of the CRD's CEL rules, all of group gateway.networking.k8s.io. */
const CRD_TARGET_KINDS = [
  "Gateway",
  "ListenerSet",
  "HTTPRoute",
  "GRPCRoute",
  "UDPRoute",
  "TCPRoute",
  "TLSRoute",
];
const ROUTE_KINDS = ["HTTPRoute", "GRPCRoute", "UDPRoute", "TCPRoute", "TLSRoute"];
const ADMISSION_CONTROL_KINDS = ["Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute"];
/**
 * Target kinds aigw serves: the Gateway and its AI routes (an HTTPRoute target names one; aigw also
 * takes `{group: aigateway.envoyproxy.io, kind: AIGatewayRoute}`, which counts as an HTTPRoute
 * wherever the CRD's rules list route kinds).
 */
const SERVED_KINDS = ["Gateway", "HTTPRoute"];

const groupOk = (ref: Self) => ref?.group === GATEWAY_API_GROUP || isAIGatewayRouteRef(ref);
const kindIn = (kinds: readonly string[]) => (ref: Self) =>
  kinds.includes(ref?.kind) || (kinds.includes("HTTPRoute") && isAIGatewayRouteRef(ref));

/** The CRD's targetRef / targetRefs / targetSelectors rules; `test` says which kinds are allowed. */
function everyTarget(s: Self, test: (ref: Self) => boolean, selectors = false): boolean {
  if (has(s, "targetRef") && !test(s.targetRef)) return false;
  if (has(s, "targetRefs") && !s.targetRefs.every(test)) return false;
  if (selectors && has(s, "targetSelectors") && !s.targetSelectors.every(test)) return false;
  return true;
}

const NOT_ACTED_ON = "not acted on by aigw";

const httpStatus = integer({ minimum: 100, maximum: 599 });
const uint32 = integer({ minimum: 0, maximum: 4294967295 });

/** ActiveHealthCheckPayload: Text or Binary, with the one field its type names. */
const payload = object(
  { type: string({ enum: ["Text", "Binary"] }), text: string(), binary: string() },
  {
    required: ["type"],
    rules: [
      {
        message: "If payload type is Text, text field needs to be set.",
        holds: (s) => (s.type === "Text" ? has(s, "text") : !has(s, "text")),
      },
      {
        message: "If payload type is Binary, binary field needs to be set.",
        holds: (s) => (s.type === "Binary" ? has(s, "binary") : !has(s, "binary")),
      },
    ],
  },
);

const retry = object({
  numRetries: integer({ minimum: 0 }),
  numAttemptsPerPriority: integer(),
  retryOn: object({
    triggers: array(string({ enum: RETRY_TRIGGERS })),
    httpStatusCodes: array(httpStatus),
  }),
  perRetry: object({
    timeout: duration,
    backOff: object({ baseInterval: duration, maxInterval: duration }),
  }),
});

const active = object(
  {
    timeout: duration,
    interval: duration,
    initialJitter: duration,
    unhealthyThreshold: integer({ minimum: 1 }),
    healthyThreshold: integer({ minimum: 1 }),
    type: string({ enum: ["HTTP", "TCP", "GRPC"] }),
    http: object(
      {
        hostname,
        path: string({ minLength: 1, maxLength: 1024 }),
        method: string({ maxLength: 16 }),
        expectedStatuses: array(httpStatus),
        retriableStatuses: array(httpStatus),
        expectedResponse: payload,
        requestBody: payload,
      },
      {
        required: ["path"],
        rules: [
          {
            message: "The requestBody field can only be set when method is POST or PUT.",
            holds: (s) =>
              !has(s, "requestBody") ||
              (has(s, "method") && ["POST", "PUT"].includes(String(s.method).toUpperCase())),
          },
        ],
      },
    ),
    tcp: object({ send: payload, receive: payload }),
    grpc: object({ service: string() }),
    overrides: object({ port: integer({ minimum: 1, maximum: 65535 }) }),
    healthCheckLog: anything,
  },
  {
    required: ["type"],
    rules: [
      {
        message: "If Health Checker type is HTTP, http field needs to be set.",
        holds: (s) => (s.type === "HTTP" ? has(s, "http") : !has(s, "http")),
      },
      {
        message: "If Health Checker type is TCP, tcp field needs to be set.",
        holds: (s) => (s.type === "TCP" ? has(s, "tcp") : !has(s, "tcp")),
      },
      {
        message: "The grpc field can only be set if the Health Checker type is GRPC.",
        holds: (s) => (has(s, "grpc") ? s.type === "GRPC" : true),
      },
    ],
  },
);

const passive = object({
  splitExternalLocalOriginErrors: boolean,
  interval: duration,
  consecutiveLocalOriginFailures: integer(),
  consecutiveGatewayErrors: integer(),
  consecutive5XxErrors: integer(),
  baseEjectionTime: duration,
  maxEjectionPercent: integer({ minimum: 0, maximum: 100 }),
  failurePercentageThreshold: integer({ minimum: 0, maximum: 100 }),
  alwaysEjectOneEndpoint: boolean,
});

const circuitBreaker = object({
  maxConnections: uint32,
  maxPendingRequests: uint32,
  maxParallelRequests: uint32,
  maxParallelRetries: uint32,
  maxRequestsPerConnection: uint32,
  perEndpoint: object({ maxConnections: uint32 }),
  retryBudget: object(
    {
      percent: object(
        { numerator: integer({ minimum: 0 }), denominator: integer({ minimum: 1 }) },
        {
          required: ["numerator"],
          rules: [
            {
              message: "numerator must be less than or equal to denominator",
              holds: (s) => s.numerator <= (s.denominator ?? 100),
            },
          ],
        },
      ),
      minRetryConcurrency: integer(),
    },
    { required: ["percent"] },
  ),
});

const timeout = object({
  tcp: object({ connectTimeout: duration }),
  http: object({
    connectionIdleTimeout: duration,
    maxConnectionDuration: duration,
    requestTimeout: duration,
    maxStreamDuration: duration,
    streamIdleTimeout: duration,
  }),
});

/** RateLimitCostSpecifier: what a request charges, a fixed number or a cost the gateway computed. */
const rateLimitCost = object(
  {
    from: string({ enum: ["Number", "Metadata"] }),
    number: integer({ minimum: 0 }),
    metadata: object({ namespace: string(), key: string() }, { required: ["key", "namespace"] }),
  },
  {
    required: ["from"],
    rules: [
      {
        message: "only one of number or metadata can be specified",
        holds: (s) => !(has(s, "number") && has(s, "metadata")),
      },
    ],
  },
);

/** The units aigw has windows for (Envoy Gateway's, but for Week, which aigw does not count in). */
const RATE_LIMIT_UNITS = Object.keys(WINDOW_MS);

const rateLimitRule = object(
  {
    clientSelectors: array(rateLimitSelectCondition, { maxItems: 8 }),
    limit: object(
      {
        requests: uint32,
        unit: string({ enum: RATE_LIMIT_UNITS }),
        fromMetadata: object(
          { namespace: string({ minLength: 1 }), key: string({ minLength: 1 }) },
          { required: ["key", "namespace"] },
        ),
      },
      { required: ["requests", "unit"] },
    ),
    cost: object({ request: rateLimitCost, response: rateLimitCost }),
    shared: boolean,
    shadowMode: boolean,
    xRateLimitHeaders: string({ enum: ["Off", "DraftVersion03"] }),
  },
  { required: ["limit"] },
);

/** Item counts are those of Envoy Gateway's current CRD (256 global rules, 16 local ones). */
const rateLimit = object({
  type: string({ enum: ["Global", "Local"] }),
  global: object({ rules: array(rateLimitRule, { maxItems: 256 }) }, { required: ["rules"] }),
  local: object({
    rules: array(rateLimitRule, {
      maxItems: 16,
      rules: [
        {
          message: "response cost is not supported for Local Rate Limits",
          holds: (rules: Self[]) => rules.every((r) => !has(r, "cost") || !has(r.cost, "response")),
        },
        {
          message: "limit fromMetadata is not supported for Local Rate Limits",
          holds: (rules: Self[]) => rules.every((r) => !has(r?.limit, "fromMetadata")),
        },
      ],
    }),
  }),
});

const targetSelector = object(
  {
    group,
    kind,
    matchLabels: object({}, { values: string() }),
    matchExpressions: anything,
    namespaces: anything,
  },
  {
    required: ["kind"],
    rules: [
      {
        message: "group must be gateway.networking.k8s.io",
        holds: (s) => (has(s, "group") ? s.group === GATEWAY_API_GROUP : true),
      },
    ],
  },
);

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
    message:
      "this policy can only have a targetRef.kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute",
    holds: (s) => !has(s, "targetRef") || kindIn(CRD_TARGET_KINDS)(s.targetRef),
  },
  {
    message: "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io",
    holds: (s) => !has(s, "targetRefs") || s.targetRefs.every(groupOk),
  },
  {
    message:
      "this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute",
    holds: (s) => !has(s, "targetRefs") || s.targetRefs.every(kindIn(CRD_TARGET_KINDS)),
  },
  {
    message: "mergeType can only be used with xRoute targets",
    holds: (s) => !has(s, "mergeType") || everyTarget(s, kindIn(ROUTE_KINDS), true),
  },
  {
    message: "either compression or compressor can be set, not both",
    holds: (s) => !has(s, "compression") || !has(s, "compressor"),
  },
  {
    message: "requestBuffer cannot be used together with httpUpgrade",
    holds: (s) => !has(s, "requestBuffer") || !has(s, "httpUpgrade") || s.httpUpgrade.length === 0,
  },
  {
    message: "admissionControl can only be used with HTTPRoute, GRPCRoute, Gateway, or ListenerSet targets",
    holds: (s) => !has(s, "admissionControl") || everyTarget(s, kindIn(ADMISSION_CONTROL_KINDS), true),
  },
  {
    message: "predictivePercent in preconnect policy only works with RoundRobin or Random load balancers",
    holds: (s) =>
      !(
        s.connection?.preconnect?.predictivePercent !== undefined &&
        s.connection?.preconnect?.predictivePercent !== null &&
        !["Random", "RoundRobin"].includes(s.loadBalancer?.type)
      ),
  },
];

/** Fields accepted as written (Envoy-specific tuning), each with what its warning says. */
const LOOSE_FIELDS: Readonly<Record<string, string>> = {
  loadBalancer: "aigw picks backends by weight and priority only",
  faultInjection: NOT_ACTED_ON,
  bandwidthLimit: NOT_ACTED_ON,
  admissionControl: NOT_ACTED_ON,
  useClientProtocol: NOT_ACTED_ON,
  compression: NOT_ACTED_ON,
  compressor: NOT_ACTED_ON,
  responseOverride: NOT_ACTED_ON,
  httpUpgrade: NOT_ACTED_ON,
  requestBuffer: NOT_ACTED_ON,
  telemetry: NOT_ACTED_ON,
  routingType: NOT_ACTED_ON,
  connection: NOT_ACTED_ON,
  dns: NOT_ACTED_ON,
  http2: NOT_ACTED_ON,
  proxyProtocol: NOT_ACTED_ON,
  tcpKeepalive: NOT_ACTED_ON,
};

const spec = object(
  {
    targetRef: policyTargetReference,
    targetRefs: array(policyTargetReference),
    targetSelectors: array(targetSelector),
    mergeType: string({
      rules: [
        {
          message: "Replace is not a valid MergeType for BackendTrafficPolicySpec",
          holds: (s) => s !== "Replace",
        },
      ],
    }),
    retry,
    healthCheck: object({ active, passive, panicThreshold: integer({ minimum: 0, maximum: 100 }) }),
    circuitBreaker,
    timeout,
    rateLimit,
    ...Object.fromEntries(Object.keys(LOOSE_FIELDS).map((field) => [field, anything])),
  },
  { rules: specRules },
);

function targetRefs(s: Self): [string, Self][] {
  const out: [string, Self][] = [];
  if (has(s, "targetRef")) out.push(["spec.targetRef", s.targetRef]);
  for (const [i, ref] of entries(s.targetRefs)) out.push([`spec.targetRefs[${i}]`, ref]);
  return out;
}

/** Durations the controller or Envoy refuses at zero, and integers Envoy Gateway reads as unsigned. */
function semantics(s: Self): string[] {
  const out: string[] = [];
  for (const [path, ref] of targetRefs(s)) {
    if (ref?.kind === "AIGatewayRoute" && ref.group !== AIGW_GROUP) {
      out.push(
        invalidField(`${path}.group`, ref.group ?? "", `kind AIGatewayRoute is of group ${AIGW_GROUP}`),
      );
    }
  }
  const positive = (value: unknown, path: string, detail: string) => {
    if (typeof value === "string" && parseDuration(value) === 0) out.push(invalidField(path, value, detail));
  };
  const backOff = s.retry?.perRetry?.backOff;
  positive(
    backOff?.baseInterval,
    "spec.retry.perRetry.backOff.baseInterval",
    "baseInterval cannot be set to 0s",
  );
  positive(
    backOff?.maxInterval,
    "spec.retry.perRetry.backOff.maxInterval",
    "maxInterval cannot be set to 0s",
  );
  if (typeof backOff?.maxInterval === "string") {
    const max = parseDuration(backOff.maxInterval);
    const base = typeof backOff.baseInterval === "string" ? parseDuration(backOff.baseInterval) : 25;
    if (max !== undefined && max > 0 && base !== undefined && max < base) {
      const detail = has(backOff, "baseInterval")
        ? "maxInterval cannot be less than baseInterval"
        : "maxInterval cannot be less than the default baseInterval of 25ms";
      out.push(invalidField("spec.retry.perRetry.backOff.maxInterval", backOff.maxInterval, detail));
    }
  }
  const hc = s.healthCheck;
  const needsTime = "Envoy requires a duration greater than 0s";
  positive(hc?.active?.timeout, "spec.healthCheck.active.timeout", needsTime);
  positive(hc?.active?.interval, "spec.healthCheck.active.interval", needsTime);
  positive(hc?.passive?.interval, "spec.healthCheck.passive.interval", needsTime);
  positive(hc?.passive?.baseEjectionTime, "spec.healthCheck.passive.baseEjectionTime", needsTime);
  for (const field of [
    "consecutiveLocalOriginFailures",
    "consecutiveGatewayErrors",
    "consecutive5XxErrors",
  ]) {
    const value = hc?.passive?.[field];
    if (typeof value === "number" && value < 0) {
      out.push(
        invalidField(`spec.healthCheck.passive.${field}`, value, "must not be negative (an unsigned count)"),
      );
    }
  }
  if (
    has(s, "mergeType") &&
    s.mergeType !== "Replace" &&
    !["StrategicMerge", "JSONMerge"].includes(s.mergeType)
  ) {
    out.push(invalidField("spec.mergeType", s.mergeType, `unsupported merge type: ${s.mergeType}`));
  }
  if (has(s, "rateLimit")) out.push(...rateLimitErrors(s.rateLimit));
  return out;
}

/** The rate-limit blocks a `rateLimit` sets, with their paths ("global" and/or "local"). */
function rateLimitBlocks(rl: Self): ["global" | "local", Self][] {
  return (["global", "local"] as const).filter((b) => has(rl, b)).map((b) => [b, rl[b]]);
}

/**
 * What the CRD leaves to Envoy Gateway's controller, or that aigw cannot enforce as written: one
 * block, matching `type` when that is set (aigw compiles one kind of limit per policy); selectors
 * it can evaluate; a cost source that names its number or metadata; metadata in the namespace
 * aigw writes its costs to; no shadow mode, which aigw would turn into a limit that refuses.
 */
function rateLimitErrors(rl: Self): string[] {
  const out: string[] = [];
  if (typeof rl !== "object" || Array.isArray(rl)) return out;
  const blocks = rateLimitBlocks(rl);
  const wanted = rl.type === "Global" ? "global" : rl.type === "Local" ? "local" : undefined;
  if (blocks.length === 2) {
    out.push(
      invalidField("spec.rateLimit", "object", "aigw takes one of global or local per policy, not both"),
    );
  } else if (blocks.length === 0) {
    out.push(
      wanted
        ? `${requiredValue(`spec.rateLimit.${wanted}`)}: type ${rl.type} needs its rules in ${wanted}`
        : invalidField("spec.rateLimit", "object", "one of global or local must be set"),
    );
  } else if (wanted && blocks[0]![0] !== wanted) {
    const detail = `the policy sets ${blocks[0]![0]}, not ${wanted}; make type match it or leave type out`;
    out.push(invalidField("spec.rateLimit.type", rl.type, detail));
  }
  for (const [block, limits] of blocks) {
    for (const [i, rule] of entries(limits?.rules)) {
      const path = `spec.rateLimit.${block}.rules[${i}]`;
      checkClientSelectors(rule.clientSelectors, `${path}.clientSelectors`, out);
      for (const side of ["request", "response"]) {
        const cost = (rule.cost as Self)?.[side];
        if (typeof cost === "object" && cost !== null) costErrors(cost, `${path}.cost.${side}`, out);
      }
      if (rule.shadowMode === true) {
        const detail = "aigw does not run rate-limit rules in shadow mode; this rule would refuse requests";
        out.push(invalidField(`${path}.shadowMode`, true, detail));
      }
    }
  }
  return out;
}

function costErrors(cost: Self, path: string, out: string[]): void {
  if (cost.from === "Number" && !has(cost, "number")) {
    out.push(`${requiredValue(`${path}.number`)}: from Number needs a number`);
  }
  if (cost.from === "Metadata" && !has(cost, "metadata")) {
    out.push(`${requiredValue(`${path}.metadata`)}: from Metadata needs a metadata namespace and key`);
  }
  const namespace = cost.metadata?.namespace;
  if (typeof namespace === "string" && namespace !== AI_GATEWAY_METADATA_NAMESPACE) {
    const detail = `aigw writes request costs (llmRequestCosts) to namespace ${AI_GATEWAY_METADATA_NAMESPACE} only`;
    out.push(invalidField(`${path}.metadata.namespace`, namespace, detail));
  }
}

/** Rate-limit settings that are valid but that aigw does not act on. */
function rateLimitWarnings(rl: Self): string[] {
  const out: string[] = [];
  for (const [block, limits] of rateLimitBlocks(rl)) {
    for (const [i, rule] of entries(limits?.rules)) {
      const path = `spec.rateLimit.${block}.rules[${i}]`;
      out.push(...selectorFieldsNotActedOn(rule.clientSelectors, `${path}.clientSelectors`));
      if (has(rule.limit, "fromMetadata")) {
        const detail = "aigw writes no limit metadata; the rule's requests and unit always apply";
        out.push(invalidField(`${path}.limit.fromMetadata`, "object", detail));
      }
      if (has(rule, "xRateLimitHeaders")) {
        out.push(invalidField(`${path}.xRateLimitHeaders`, rule.xRateLimitHeaders, NOT_ACTED_ON));
      }
    }
  }
  return out;
}

/** A value as a warning shows it: scalars as they are, objects and lists by their type (as CEL messages do). */
function shown(value: unknown): unknown {
  if (Array.isArray(value)) return "array";
  return typeof value === "object" && value !== null ? "object" : value;
}

/** Valid configuration aigw does not act on as written. */
function warnings(s: Self): string[] {
  const out: string[] = [];
  const notActedOn = (path: string, value: unknown, detail: string) =>
    out.push(invalidField(path, shown(value), detail));
  for (const [path, ref] of targetRefs(s)) {
    if (typeof ref?.kind !== "string" || !groupOk(ref)) continue;
    if (
      !SERVED_KINDS.includes(ref.kind) &&
      !isAIGatewayRouteRef(ref) &&
      CRD_TARGET_KINDS.includes(ref.kind)
    ) {
      notActedOn(`${path}.kind`, ref.kind, `aigw serves no ${ref.kind}; this target applies to nothing`);
    } else if (has(ref, "sectionName")) {
      notActedOn(
        `${path}.sectionName`,
        ref.sectionName,
        "aigw applies policies to whole Gateways and routes only; this target is not applied",
      );
    }
  }
  if (has(s, "targetSelectors") && s.targetSelectors.length > 0) {
    notActedOn(
      "spec.targetSelectors",
      s.targetSelectors,
      "aigw does not select targets by label; use targetRefs",
    );
  }
  for (const [field, detail] of Object.entries(LOOSE_FIELDS)) {
    if (has(s, field)) notActedOn(`spec.${field}`, s[field], detail);
  }
  if (has(s, "rateLimit")) out.push(...rateLimitWarnings(s.rateLimit));
  if (has(s, "timeout")) {
    notActedOn(
      "spec.timeout",
      s.timeout,
      "aigw does not apply BackendTrafficPolicy timeouts; use the AIGatewayRoute rule's timeouts",
    );
  }
  const hc = s.healthCheck;
  if (has(hc, "panicThreshold")) {
    notActedOn(
      "spec.healthCheck.panicThreshold",
      hc.panicThreshold,
      "aigw routes to all backends only when none is healthy",
    );
  }
  for (const field of ["failurePercentageThreshold", "alwaysEjectOneEndpoint"]) {
    if (has(hc?.passive, field))
      notActedOn(`spec.healthCheck.passive.${field}`, hc.passive[field], NOT_ACTED_ON);
  }
  const base =
    typeof hc?.passive?.baseEjectionTime === "string"
      ? parseDuration(hc.passive.baseEjectionTime)
      : undefined;
  if (base !== undefined && base > DEFAULT_TRAFFIC_POLICY.passive.maxEjectionMs) {
    notActedOn(
      "spec.healthCheck.passive.baseEjectionTime",
      hc.passive.baseEjectionTime,
      "aigw ends every ejection after at most 30s",
    );
  }
  const a = hc?.active;
  if (a?.type === "TCP" || a?.type === "GRPC") {
    notActedOn(
      "spec.healthCheck.active.type",
      a.type,
      "aigw runs HTTP active health checks only; this one is not run",
    );
  }
  for (const field of ["initialJitter", "overrides", "healthCheckLog"]) {
    if (has(a, field)) notActedOn(`spec.healthCheck.active.${field}`, a[field], NOT_ACTED_ON);
  }
  for (const field of ["hostname", "retriableStatuses", "expectedResponse", "requestBody"]) {
    if (a?.type === "HTTP" && has(a.http, field)) {
      notActedOn(`spec.healthCheck.active.http.${field}`, a.http[field], NOT_ACTED_ON);
    }
  }
  const cb = s.circuitBreaker;
  for (const field of ["maxParallelRetries", "maxRequestsPerConnection", "perEndpoint", "retryBudget"]) {
    if (has(cb, field)) notActedOn(`spec.circuitBreaker.${field}`, cb[field], NOT_ACTED_ON);
  }
  return out;
}

export const backendTrafficPolicyValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics: (r) => [...semantics(r.spec ?? {}), ...admissionEstimateAnnotation(r)],
  warnings: (r) => warnings(r.spec ?? {}),
};

/** aigw's `aigw/admission-estimate` annotation is "true" (on) or "false" (off); anything else is a typo. */
function admissionEstimateAnnotation(r: Resource): string[] {
  const value = r.metadata.annotations?.[ADMISSION_ESTIMATE_ANNOTATION];
  if (value === undefined || value === "true" || value === "false") return [];
  const path = `metadata.annotations[${ADMISSION_ESTIMATE_ANNOTATION}]`;
  return [invalidField(path, value, 'expected "true" or "false"')];
}

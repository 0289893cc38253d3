/**
 * A BackendTrafficPolicy rate-limit rule that charges a cost from metadata (`cost.request` or
 * `cost.response` with `from: Metadata`) names one of the costs aigw computes per route: a
 * `metadataKey` of the route's `llmRequestCosts` or of the `globalLLMRequestCosts` of the
 * GatewayConfig its Gateway names. A key that no cost defines would charge 0 and the limit would
 * never trip, so every route the rule applies to must define it. Which policy applies to a route
 * is decided by appliedBackendTrafficPolicies, as for enforcement: a policy aimed at the route
 * replaces the Gateway's (or, with `mergeType`, is merged over it).
 */
import {
  appliedBackendTrafficPolicies,
  appliedTargets,
  backendTrafficPolicyOrder,
  isGatewayRef,
} from "../compile-traffic-policies.js";
import { AIGW_GROUP, ENVOY_GATEWAY_GROUP, GATEWAY_API_GROUP, groupOf, type Resource } from "../resource.js";
import { gatewayConfigOf, namespaceOf, type ResourceIndex } from "../resource-index.js";
import { entries } from "./kind-validator.js";
import { has, type Self } from "./schema.js";
import { invalidField } from "./schema-messages.js";

export interface RateLimitCostFinding {
  /** The policy whose rule names the key. */
  policy: Resource;
  message: string;
}

/** Every cost key a rate-limit rule names that a route it applies to does not define. */
export function findMissingRateLimitCosts(index: ResourceIndex): RateLimitCostFinding[] {
  const gateways = index.list("Gateway").filter((g) => groupOf(g.apiVersion) === GATEWAY_API_GROUP);
  const routes = index.list("AIGatewayRoute").filter((r) => groupOf(r.apiVersion) === AIGW_GROUP);
  const findings = new Map<string, RateLimitCostFinding>();
  // Without a Gateway, aigw serves every route with the policies aimed at the routes themselves.
  for (const gateway of gateways.length > 0 ? gateways : [undefined]) {
    const appliedTo = appliedBackendTrafficPolicies(index, gateway);
    const onGateway = gateway && gatewayPolicyOf(index, gateway);
    const config = gateway && gatewayConfigOf(index, gateway);
    const globalKeys = costKeys(config?.spec?.globalLLMRequestCosts);
    for (const route of routes) {
      // aigw run serves every route through its one Gateway; `validate` may see several.
      if (gateway && gateways.length > 1 && !attachesTo(route, gateway)) continue;
      const applied = appliedTo(namespaceOf(route), route.metadata.name);
      if (!applied || !has(applied.spec, "rateLimit")) continue;
      const keys = new Set([...costKeys(route.spec?.llmRequestCosts), ...globalKeys]);
      for (const block of ["global", "local"]) {
        // Lists replace when policies merge, so a block's rules are all from one policy.
        const ownRules = has((applied.policy.spec?.rateLimit as Self)?.[block], "rules");
        const owner = ownRules ? applied.policy : onGateway;
        if (!owner) continue;
        const rules = (applied.spec.rateLimit as Self)[block]?.rules;
        for (const missing of missingKeys(rules, keys, `spec.rateLimit.${block}`)) {
          const message = invalidField(
            missing.path,
            missing.key,
            whereToDefine(missing.key, route, gateway, config),
          );
          findings.set(`${namespaceOf(owner)}/${owner.metadata.name}\n${message}`, {
            policy: owner,
            message,
          });
        }
      }
    }
  }
  return [...findings.values()];
}

/** The metadata keys `rules` charge that `keys` lacks, with the path of each. */
function missingKeys(
  rules: unknown,
  keys: ReadonlySet<string>,
  path: string,
): { path: string; key: string }[] {
  const out: { path: string; key: string }[] = [];
  for (const [i, rule] of entries(rules)) {
    for (const side of ["request", "response"]) {
      const cost = (rule.cost as Self)?.[side];
      const key = cost?.metadata?.key;
      if (cost?.from !== "Metadata" || typeof key !== "string" || keys.has(key)) continue;
      out.push({ path: `${path}.rules[${i}].cost.${side}.metadata.key`, key });
    }
  }
  return out;
}

/** The detail of a missing key: the route that lacks it and where its costs can be defined. */
function whereToDefine(
  key: string,
  route: Resource,
  gateway: Resource | undefined,
  config: Resource | undefined,
): string {
  const lacking = `AIGatewayRoute ${namespaceOf(route)}/${route.metadata.name}, which this rule applies to, defines no cost "${key}"`;
  if (!gateway) return `${lacking}: add it to the route's llmRequestCosts`;
  const global = config
    ? `GatewayConfig ${namespaceOf(config)}/${config.metadata.name}`
    : `a GatewayConfig named by Gateway ${namespaceOf(gateway)}/${gateway.metadata.name}`;
  return `${lacking}: add it to the route's llmRequestCosts or to the globalLLMRequestCosts of ${global}`;
}

function costKeys(costs: unknown): string[] {
  return entries(costs).flatMap(([, cost]) =>
    typeof cost.metadataKey === "string" ? [cost.metadataKey] : [],
  );
}

/** The BackendTrafficPolicy attached to the Gateway: the first in Envoy Gateway's order. */
function gatewayPolicyOf(index: ResourceIndex, gateway: Resource): Resource | undefined {
  return index
    .list("BackendTrafficPolicy")
    .filter((p) => groupOf(p.apiVersion) === ENVOY_GATEWAY_GROUP && namespaceOf(p) === namespaceOf(gateway))
    .sort(backendTrafficPolicyOrder)
    .find((p) => appliedTargets(p).some((ref) => isGatewayRef(ref) && ref.name === gateway.metadata.name));
}

/** Whether a route's parentRefs name the Gateway (kind and group default to Gateway's). */
function attachesTo(route: Resource, gateway: Resource): boolean {
  return entries(route.spec?.parentRefs).some(
    ([, ref]) =>
      (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP &&
      (ref.kind ?? "Gateway") === "Gateway" &&
      ref.name === gateway.metadata.name &&
      (ref.namespace ?? namespaceOf(route)) === namespaceOf(gateway),
  );
}

import type { IncomingHttpHeaders } from "node:http";
import { MODEL_HEADER } from "../config/compile-routes.js";
import type { CompiledRoute, CompiledRule, RuntimeSnapshot } from "../config/snapshot.js";
import { firstValue } from "../util/first-value.js";

export interface RouteMatch {
  route: CompiledRoute;
  rule: CompiledRule;
}

/**
 * The first rule, in configuration order, whose matches admit the request. The model header is
 * always the body's model, whatever the client sent in x-ai-eg-model.
 */
export function matchRoute(
  snapshot: RuntimeSnapshot,
  host: string | undefined,
  headers: IncomingHttpHeaders,
  model: string,
): RouteMatch | undefined {
  const headerValue = (name: string): string | undefined => {
    if (name === MODEL_HEADER) return model;
    return firstValue(headers[name]);
  };
  for (const route of snapshot.routes) {
    if (!route.matchesHost(host)) continue;
    for (const rule of route.rules) {
      if (ruleMatches(rule, headerValue)) return { route, rule };
    }
  }
  return undefined;
}

function ruleMatches(rule: CompiledRule, headerValue: (name: string) => string | undefined): boolean {
  if (rule.matches.length === 0) return true;
  for (const match of rule.matches) {
    let all = true;
    for (const header of match) {
      const value = headerValue(header.name);
      if (value === undefined || !header.test(value)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

/** The Host header without port, lower-cased, for hostname matching. */
export function requestHost(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host;
  if (!host) return undefined;
  const end = host.startsWith("[") ? host.indexOf("]") + 1 : host.indexOf(":");
  return (end > 0 ? host.slice(0, end) : host).toLowerCase();
}

import type { IncomingHttpHeaders } from "node:http";
import { MODEL_HEADER } from "../config/compile-routes.js";
import type { CompiledRoute, CompiledRule, RuntimeSnapshot } from "../config/snapshot.js";
import { firstValue } from "../util/first-value.js";

export interface RouteMatch {
  route: CompiledRoute;
  rule: CompiledRule;
  /** The match of the rule that admitted the request, as `header=value&...`; undefined: a rule without matches. */
  match: string | undefined;
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
      const index = matchingIndex(rule, headerValue);
      if (index >= 0) return { route, rule, match: describeMatch(rule, index) };
    }
  }
  return undefined;
}

/** The index of the first of the rule's matches that admits the request; -1: none; 0 for a rule without matches. */
function matchingIndex(rule: CompiledRule, headerValue: (name: string) => string | undefined): number {
  if (rule.matches.length === 0) return 0;
  for (let i = 0; i < rule.matches.length; i++) {
    let all = true;
    for (const header of rule.matches[i]!) {
      const value = headerValue(header.name);
      if (value === undefined || !header.test(value)) {
        all = false;
        break;
      }
    }
    if (all) return i;
  }
  return -1;
}

/** Built only for a request that matched (once per request), from descriptions made at compile time. */
function describeMatch(rule: CompiledRule, index: number): string | undefined {
  const match = rule.matches[index];
  if (!match || match.length === 0) return undefined;
  return match.length === 1 ? match[0]!.description : match.map((h) => h.description).join("&");
}

/** The Host header without port, lower-cased, for hostname matching. */
export function requestHost(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host;
  if (!host) return undefined;
  const end = host.startsWith("[") ? host.indexOf("]") + 1 : host.indexOf(":");
  return (end > 0 ? host.slice(0, end) : host).toLowerCase();
}

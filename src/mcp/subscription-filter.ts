import type { JsonRpcId, JsonRpcMessage } from "./json-rpc.js";

/** What a 2026-07-28 `subscriptions/listen` opts into (`params.notifications`). */
export interface SubscriptionFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

/** Where a listen's notifications carry the listen request's id. */
export const SUBSCRIPTION_ID_META = "io.modelcontextprotocol/subscriptionId";

/** The list-changed filter fields, each with the capability it needs and the notification it lets through. */
const LIST_FLAGS = [
  { flag: "toolsListChanged", feature: "tools", method: "notifications/tools/list_changed" },
  { flag: "promptsListChanged", feature: "prompts", method: "notifications/prompts/list_changed" },
  { flag: "resourcesListChanged", feature: "resources", method: "notifications/resources/list_changed" },
] as const;

const RESOURCE_UPDATED = "notifications/resources/updated";

/**
 * The client's filter, only its opted-in fields (a `false` asks for nothing); undefined when it is
 * not the spec's shape (the caller answers -32602).
 */
export function parseSubscriptionFilter(value: unknown): SubscriptionFilter | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const filter: SubscriptionFilter = {};
  for (const { flag } of LIST_FLAGS) {
    const v = fields[flag];
    if (v !== undefined && typeof v !== "boolean") return undefined;
    if (v === true) filter[flag] = true;
  }
  const uris = fields.resourceSubscriptions;
  if (uris !== undefined) {
    if (!Array.isArray(uris) || !uris.every((u) => typeof u === "string")) return undefined;
    if (uris.length > 0) filter.resourceSubscriptions = [...new Set(uris as string[])];
  }
  return filter;
}

export function isEmptyFilter(filter: SubscriptionFilter): boolean {
  return Object.keys(filter).length === 0;
}

/**
 * The part of the client's filter that concerns one backend: every list flag, and the resource
 * URIs it owns (`ownUris`, already without the gateway's prefix).
 */
export function filterForBackend(filter: SubscriptionFilter, ownUris: readonly string[]): SubscriptionFilter {
  const part: SubscriptionFilter = {};
  for (const { flag } of LIST_FLAGS) if (filter[flag]) part[flag] = true;
  if (ownUris.length > 0) part.resourceSubscriptions = [...ownUris];
  return part;
}

/**
 * What a legacy backend honours of its part: a list flag when it announces `listChanged` for the
 * feature; the resource URIs when it announces `resources.subscribe` (`subscribed`: those its
 * resources/subscribe accepted).
 */
export function legacyHonoured(
  part: SubscriptionFilter,
  capabilities: Record<string, unknown>,
  subscribed: readonly string[],
): SubscriptionFilter {
  const honoured: SubscriptionFilter = {};
  for (const { flag, feature } of LIST_FLAGS) {
    if (part[flag] && featureFlag(capabilities, feature, "listChanged")) honoured[flag] = true;
  }
  if (subscribed.length > 0) honoured.resourceSubscriptions = [...subscribed];
  return honoured;
}

/** Whether the backend announces `<feature>.<flag>: true`. */
export function featureFlag(capabilities: Record<string, unknown>, feature: string, flag: string): boolean {
  const value = capabilities[feature];
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[flag] === true;
}

/**
 * What an upstream answered as honoured, kept only where the gateway asked it (an upstream cannot
 * widen the client's filter); undefined when its ACK is not the spec's shape.
 */
export function narrowAck(asked: SubscriptionFilter, acked: unknown): SubscriptionFilter | undefined {
  const parsed = parseSubscriptionFilter(acked);
  if (!parsed) return undefined;
  const honoured: SubscriptionFilter = {};
  for (const { flag } of LIST_FLAGS) if (asked[flag] && parsed[flag]) honoured[flag] = true;
  const uris = parsed.resourceSubscriptions?.filter((u) => asked.resourceSubscriptions?.includes(u)) ?? [];
  if (uris.length > 0) honoured.resourceSubscriptions = uris;
  return honoured;
}

/** The filter answered to the client: the union of what each backend honours, URIs as the client names them. */
export function unionOfHonoured(
  parts: readonly { honoured: SubscriptionFilter; prefixUri: (uri: string) => string }[],
): SubscriptionFilter {
  const union: SubscriptionFilter = {};
  const uris: string[] = [];
  for (const { honoured, prefixUri } of parts) {
    for (const { flag } of LIST_FLAGS) if (honoured[flag]) union[flag] = true;
    for (const uri of honoured.resourceSubscriptions ?? []) uris.push(prefixUri(uri));
  }
  if (uris.length > 0) union.resourceSubscriptions = uris;
  return union;
}

/**
 * A backend's notification as the listen stream carries it, or undefined when the backend's
 * honoured filter does not let it through (request-scoped notifications, server requests and
 * anything not opted into are dropped): tagged with the client's subscription id, a resource
 * URI with its backend's prefix.
 */
export function listenNotification(
  message: JsonRpcMessage,
  honoured: SubscriptionFilter,
  subscriptionId: JsonRpcId,
  prefixUri: (uri: string) => string,
): string | undefined {
  if (message.id !== undefined || message.method === undefined) return undefined;
  const params = { ...message.params };
  if (message.method === RESOURCE_UPDATED) {
    const uri = params.uri;
    if (typeof uri !== "string" || !honoured.resourceSubscriptions?.includes(uri)) return undefined;
    params.uri = prefixUri(uri);
  } else {
    const list = LIST_FLAGS.find((f) => f.method === message.method);
    if (!list || !honoured[list.flag]) return undefined;
  }
  params._meta = {
    ...(params._meta as Record<string, unknown> | undefined),
    [SUBSCRIPTION_ID_META]: subscriptionId,
  };
  return JSON.stringify({ jsonrpc: "2.0", method: message.method, params });
}

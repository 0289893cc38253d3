import { isoTimestamp } from "../util/iso-timestamp.js";

/** A bad query parameter of the usage API: answered 400, naming it. */
export class UsageParameterError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

/** A time range as the ledger stores times (RFC 3339 UTC, milliseconds): `from` inclusive, `to` exclusive. */
export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

/**
 * The built-in group keys of `/v1/usage`; `model` is `request_model` under the name clients use.
 * Header attribute names come on top.
 */
export const BUILT_IN_GROUP_KEYS: readonly string[] = [
  "consumer",
  "route",
  "original_model",
  "request_model",
  "model",
  "response_model",
  "backend",
  "status",
  "day",
  "hour",
];

const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+\- ])(\d{2}):(\d{2})))?$/;
const DAY_MS = 86_400_000;

/**
 * An RFC 3339 time (`2026-12-02T10:00:00Z`, `...T10:00:00.5+01:00`) or a date (`2026-12-02`, its
 * midnight UTC), as epoch milliseconds; undefined when it is neither. A space where the offset's
 * sign belongs is read as `+`, which is what an unescaped `+` in a query string decodes to. A
 * fraction below the millisecond rounds up: records are kept to the millisecond, so `from` and
 * `to` keep meaning "at or after" and "before" the instant named.
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC_3339.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (m[4] !== undefined && m[8] === undefined && m[9] === undefined) return undefined;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const midnight = Date.UTC(year, month - 1, day);
  if (new Date(midnight).getUTCDate() !== day) return undefined;
  const fraction = m[7] ?? "";
  const millis = fraction === "" ? 0 : Math.ceil(Number(`0.${fraction}`) * 1000 - 1e-6);
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const [offsetHours, offsetMins] = [Number(m[10]), Number(m[11])];
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const epochMs = midnight + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
  // The ledger's times are four-digit years, compared as text.
  return epochMs >= 0 && epochMs < Date.UTC(10_000, 0, 1) ? epochMs : undefined;
}

/** `from` (default: the start of the current UTC day) and `to` (default: now). */
export function parseTimeRange(params: URLSearchParams, nowMs: number): TimeRange {
  const from = timeParameter(params, "from") ?? Math.floor(nowMs / DAY_MS) * DAY_MS;
  const to = timeParameter(params, "to") ?? nowMs;
  if (from > to) throw new UsageParameterError("from", "must not be after to");
  return { from: isoTimestamp(from), to: isoTimestamp(to) };
}

/** An RFC 3339 parameter as epoch ms; undefined when absent. */
export function timeParameter(params: URLSearchParams, name: string): number | undefined {
  const text = single(params, name);
  if (text === undefined) return undefined;
  const epochMs = parseRfc3339(text);
  if (epochMs === undefined) {
    throw new UsageParameterError(
      name,
      `expected an RFC 3339 time such as 2026-12-02T10:00:00Z or a date such as 2026-12-02, got "${text}"`,
    );
  }
  return epochMs;
}

/** `group_by=consumer,model,tenant.id`: built-in keys and the configured header attributes, each once. */
export function parseGroupBy(params: URLSearchParams, attributeNames: readonly string[]): string[] {
  const text = single(params, "group_by");
  if (text === undefined) return [];
  const keys: string[] = [];
  for (const raw of text.split(",")) {
    const key = raw.trim();
    if (key === "") continue;
    if (!BUILT_IN_GROUP_KEYS.includes(key) && !attributeNames.includes(key)) {
      const known = [...BUILT_IN_GROUP_KEYS, ...attributeNames].join(", ");
      throw new UsageParameterError("group_by", `unknown key "${key}"; known keys: ${known}`);
    }
    const same = key === "model" ? "request_model" : key === "request_model" ? "model" : key;
    if (keys.includes(key) || keys.includes(same)) {
      throw new UsageParameterError("group_by", `"${key}" is named twice`);
    }
    keys.push(key);
  }
  return keys;
}

/** `limit` (or the count parameter `name`): a whole number from 1 to `max`. */
export function parseLimit(
  params: URLSearchParams,
  defaultLimit: number,
  max: number,
  name = "limit",
): number {
  const text = single(params, name);
  if (text === undefined) return defaultLimit;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > max) {
    throw new UsageParameterError(name, `expected a whole number from 1 to ${max}, got "${text}"`);
  }
  return limit;
}

/** One of `allowed` (the first is the default). */
export function parseChoice(params: URLSearchParams, name: string, allowed: readonly string[]): string {
  const text = single(params, name);
  if (text === undefined) return allowed[0]!;
  if (!allowed.includes(text)) {
    throw new UsageParameterError(name, `expected ${allowed.join(" or ")}, got "${text}"`);
  }
  return text;
}

/** A parameter given at most once; undefined when absent. */
export function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new UsageParameterError(name, "given more than once");
  return values[0];
}

/** Refuses a parameter the endpoint does not know: a misspelt one must not be silently ignored. */
export function refuseUnknown(params: URLSearchParams, known: readonly string[]): void {
  for (const name of params.keys()) {
    if (!known.includes(name)) {
      throw new UsageParameterError(name, `unknown parameter; this endpoint takes ${known.join(", ")}`);
    }
  }
}

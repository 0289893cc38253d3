import type { IncomingHttpHeaders } from "node:http";
import { LEDGER_COLUMNS } from "../usage/ledger-store.js";
import { CLIENT_KEY_HEADERS } from "./client-credential-headers.js";

/** One `--request-header-attributes` pair: the request header and the attribute name it becomes. */
export interface HeaderAttribute {
  /** Lower-case header name. */
  readonly header: string;
  readonly attribute: string;
}

/**
 * Longest attribute value kept, in characters: a header is client input, and a record (ledger row,
 * metric label, span attribute) must not grow with whatever a client sends.
 */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 256;

/**
 * Names a record already has at its top level, and the other keys `/v1/usage` groups and totals by:
 * an attribute may not take one, or `group_by=route` would mean two things.
 */
const RESERVED: ReadonlySet<string> = new Set([...LEDGER_COLUMNS, "model", "day", "hour", "requests"]);

/**
 * Headers that carry a credential: recording one as an attribute would copy a secret into logs,
 * metrics, spans and the ledger, so no mapping may name them.
 */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  ...CLIENT_KEY_HEADERS,
  "proxy-authorization",
  "cookie",
]);

/** Upstream's default mapping for spans and access logs: the agent session a request belongs to. */
export const SESSION_ID_ATTRIBUTE: HeaderAttribute = { header: "agent-session-id", attribute: "session.id" };

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses the mapping Envoy AI Gateway's aigw takes as `OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES`:
 * `x-tenant-id:tenant.id,x-department:department`. Throws with a message naming the bad pair.
 */
export function parseRequestHeaderAttributes(text: string): HeaderAttribute[] {
  const out: HeaderAttribute[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const pair = raw.trim();
    if (pair === "") continue;
    const colon = pair.indexOf(":");
    const header = (colon < 0 ? "" : pair.slice(0, colon)).trim().toLowerCase();
    const attribute = (colon < 0 ? "" : pair.slice(colon + 1)).trim();
    if (!HEADER_NAME.test(header) || !ATTRIBUTE_NAME.test(attribute)) {
      throw new Error(`"${pair}": expected <header>:<attribute>, e.g. x-tenant-id:tenant.id`);
    }
    if (CREDENTIAL_HEADERS.has(header))
      throw new Error(`"${pair}": ${header} carries a credential and is never recorded`);
    if (RESERVED.has(attribute))
      throw new Error(`"${pair}": ${attribute} is a built-in field of every record`);
    if (seen.has(attribute)) throw new Error(`"${pair}": attribute ${attribute} is named twice`);
    seen.add(attribute);
    out.push({ header, attribute });
  }
  return out;
}

/** The attributes one request carries; a missing header is an absent attribute. */
export function readHeaderAttributes(
  headers: IncomingHttpHeaders,
  mapping: readonly HeaderAttribute[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { header, attribute } of mapping) {
    const value = headers[header];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    out[attribute] =
      text.length > MAX_ATTRIBUTE_VALUE_LENGTH ? text.slice(0, MAX_ATTRIBUTE_VALUE_LENGTH) : text;
  }
  return out;
}

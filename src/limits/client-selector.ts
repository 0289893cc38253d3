import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { firstValue } from "../util/first-value.js";

/** What a selector looks at: the request's headers and the client's address. */
export interface SelectorInput {
  readonly headers: IncomingHttpHeaders;
  /**
   * The body's model, which selectors see as the `x-ai-eg-model` header (the original sets that
   * header from the body before rate limiting, whatever the client sent in it).
   */
  readonly model: string;
  /** The TCP peer's address as the socket gives it (IPv4-mapped IPv6 is read as IPv4). */
  readonly clientAddress: string | undefined;
}

/**
 * Envoy Gateway `clientSelectors` (RateLimitSelectConditions), compiled: undefined when the request
 * is not selected, else the request's distinct values ("" when there are none): requests with
 * different distinct values count in different buckets.
 */
export type ClientSelector = (input: SelectorInput) => string | undefined;

export interface HeaderSelectorSpec {
  name: string;
  type?: "Exact" | "RegularExpression" | "Distinct";
  value?: string;
  invert?: boolean;
}

export interface ClientSelectorSpec {
  headers?: HeaderSelectorSpec[];
  sourceCIDR?: { type?: "Exact" | "Distinct"; value: string };
}

type Part = (input: SelectorInput) => string | undefined;

/**
 * A rule's `clientSelectors`: every condition of every entry must hold (Envoy Gateway ANDs them);
 * none selects every request.
 */
export function compileClientSelectors(specs: readonly ClientSelectorSpec[] | undefined): ClientSelector {
  const parts: Part[] = [];
  for (const spec of specs ?? []) {
    for (const header of spec.headers ?? []) parts.push(compileHeader(header));
    if (spec.sourceCIDR) parts.push(compileSourceCidr(spec.sourceCIDR));
  }
  return (input) => {
    let distinct = "";
    for (const part of parts) {
      const value = part(input);
      if (value === undefined) return undefined;
      if (value !== "") distinct = distinct === "" ? value : `${distinct}|${value}`;
    }
    return distinct;
  };
}

/** Whether a rule has one bucket per client value (a `Distinct` header or sourceCIDR) rather than one for all. */
export function selectsDistinct(specs: readonly ClientSelectorSpec[] | undefined): boolean {
  return (specs ?? []).some(
    (spec) => spec.sourceCIDR?.type === "Distinct" || (spec.headers ?? []).some((h) => h.type === "Distinct"),
  );
}

/**
 * Header names that may carry a credential: authorization, proxy-authorization, x-api-key, api-key,
 * x-goog-api-key, cookies, and any name speaking of a key, token, secret, password or session (a
 * SecurityPolicy's apiKeyAuth may read a key from a header of any name). Broad on purpose: a
 * harmless header taken for one only has its bucket shown as a hash.
 */
const CREDENTIAL_HEADER = /auth|key|token|secret|passw|credential|cookie|session/i;

/**
 * Whether a rule's buckets may be named by a credential: one of its Distinct selectors reads a header
 * that may carry one. Exact and regular-expression selectors add nothing to a bucket's name.
 */
export function selectsCredential(specs: readonly ClientSelectorSpec[] | undefined): boolean {
  return (specs ?? []).some((spec) =>
    (spec.headers ?? []).some((h) => h.type === "Distinct" && CREDENTIAL_HEADER.test(h.name)),
  );
}

/**
 * A bucket's distinct values as a record shows them: as they are, or, for a rule that selects on a
 * credential, `sha256:` and the first 16 hex digits of their SHA-256 (the same bucket, the same
 * name, on every replica; the credential itself never).
 */
export function bucketName(distinct: string, credential: boolean | undefined): string {
  if (!credential) return distinct;
  return `sha256:${createHash("sha256").update(distinct).digest("hex").slice(0, 16)}`;
}

/** The header the original fills from the body's model before any limit looks at the request. */
const MODEL_HEADER = "x-ai-eg-model";

function headerValue(input: SelectorInput, name: string): string | undefined {
  return name === MODEL_HEADER ? input.model : firstValue(input.headers[name]);
}

function compileHeader(spec: HeaderSelectorSpec): Part {
  const name = spec.name.toLowerCase();
  if (spec.type === "Distinct") {
    // A missing header: the rule does not apply to this request (as Envoy's request_headers action).
    return (input) => {
      const value = headerValue(input, name);
      return value === undefined ? undefined : encodeDistinct(value);
    };
  }
  const expected = spec.value ?? "";
  // Envoy matches regular expressions against the whole value (RE2 full match).
  const pattern = spec.type === "RegularExpression" ? new RegExp(`^(?:${expected})$`) : undefined;
  const test = pattern ? (v: string) => pattern.test(v) : (v: string) => v === expected;
  const invert = spec.invert === true;
  return (input) => {
    const value = headerValue(input, name);
    const matched = value !== undefined && test(value);
    return matched !== invert ? "" : undefined;
  };
}

function compileSourceCidr(spec: { type?: "Exact" | "Distinct"; value: string }): Part {
  const inRange = compileCidrs([spec.value]);
  const distinct = spec.type === "Distinct";
  return (input) => {
    const ip = clientAddressOf(input.clientAddress);
    if (ip === undefined || !inRange(ip)) return undefined;
    return distinct ? ip : "";
  };
}

/**
 * CIDRs (`10.0.0.0/8`, `2001:db8::/32`; a bare address is one host) as one test of an address as
 * clientAddressOf gives it: true when any of them holds it. Selectors' `sourceCIDR` and
 * SecurityPolicy `clientCIDRs` both match through it.
 */
export function compileCidrs(cidrs: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", prefixText] = cidr.split("/");
    const family = isIPv6(address) ? "ipv6" : "ipv4";
    const prefix = prefixText === undefined ? (family === "ipv6" ? 128 : 32) : Number(prefixText);
    list.addSubnet(address, prefix, family);
  }
  return (ip) => {
    const family = isIPv4(ip) ? "ipv4" : isIPv6(ip) ? "ipv6" : undefined;
    return family !== undefined && list.check(ip, family);
  };
}

/** Distinct values go into counter keys, where `:` and `|` separate parts: those are escaped (and `%`). */
function encodeDistinct(value: string): string {
  return /[:|%]/.test(value) ? encodeURIComponent(value) : value;
}

/** The address a selector sees for a socket: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as plain IPv4. */
export function clientAddressOf(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress?.startsWith("::ffff:") && remoteAddress.includes(".")) return remoteAddress.slice(7);
  return remoteAddress;
}

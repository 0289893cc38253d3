import type { JWTPayload } from "jose";

/** A claim name as Envoy reads it: dots separate the members of nested objects ("org.department"). */
export function claimPath(name: string): readonly string[] {
  return name.split(".");
}

/** The claim at `path` of a verified payload, or undefined. */
export function claimAt(payload: JWTPayload, path: readonly string[]): unknown {
  let value: unknown = payload;
  for (const member of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, member) ? (value as Record<string, unknown>)[member] : undefined;
  }
  return value;
}

/**
 * A claim as a header value, as Envoy's claimToHeaders writes one: strings as they are, numbers
 * and booleans in their JSON form; objects, arrays and nulls set no header.
 */
export function claimHeaderValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * The scopes of a token: its `scope` and `scp` claims, each a space-delimited string (RFC 8693)
 * or a list, as Envoy Gateway normalises them for authorization.
 */
export function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    const list = typeof claim === "string" ? claim.split(" ") : Array.isArray(claim) ? claim : [];
    for (const scope of list) if (typeof scope === "string" && scope !== "") scopes.add(scope);
  }
  return scopes;
}

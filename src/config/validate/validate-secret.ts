import { requiredValue } from "../field-error.js";
import type { Resource } from "../resource.js";
import type { KindValidator } from "./kind-validator.js";
import { invalidField, wrongType } from "./schema-messages.js";

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MESSAGE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(value: string): boolean {
  const compact = value.replace(/\s/g, "");
  return compact.length % 4 === 0 && BASE64.test(compact);
}

/** Keys a kubernetes.io/tls Secret must carry. */
export const TLS_SECRET_KEYS = ["tls.crt", "tls.key"] as const;

/** The keys of a Secret: stringData merges over data, as the API server merges them. */
function secretKeys(r: Resource): Set<string> {
  const keys = new Set<string>();
  for (const map of [r.data, r.stringData]) {
    if (typeof map === "object" && map !== null) for (const k of Object.keys(map)) keys.add(k);
  }
  return keys;
}

/**
 * data / stringData: config keys, string values, base64 for data. A null value is accepted as an
 * empty string: an unset `${VAR}` leaves `key:` with nothing after it.
 */
function checkMap(r: Resource, field: "data" | "stringData", out: string[]): void {
  const map: unknown = r[field];
  if (map === undefined || map === null) return;
  if (typeof map !== "object" || Array.isArray(map)) {
    out.push(wrongType(field, Array.isArray(map) ? "array" : typeof map, "object"));
    return;
  }
  for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
    const path = `${field}[${key}]`;
    if (!CONFIG_KEY.test(key)) out.push(invalidField(path, key, CONFIG_KEY_MESSAGE));
    if (value === null) continue;
    if (typeof value !== "string") out.push(wrongType(path, typeof value, "string"));
    else if (field === "data" && !isBase64(value)) {
      // The value itself stays out of the message: it is a secret.
      out.push(invalidField(path, "<secret>", "illegal base64 data"));
    }
  }
}

export const secretValidator: KindValidator = {
  schema(r) {
    const out: string[] = [];
    checkMap(r, "data", out);
    checkMap(r, "stringData", out);
    if (r.type === "kubernetes.io/tls") {
      const keys = secretKeys(r);
      for (const key of TLS_SECRET_KEYS) if (!keys.has(key)) out.push(requiredValue(`data[${key}]`));
    }
    return out;
  },
};

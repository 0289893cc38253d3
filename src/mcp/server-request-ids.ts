import type { JsonRpcId } from "./json-rpc.js";

/**
 * Ids of server-to-client requests (sampling, elicitation, roots) as the client sees them:
 * `<value>__<type>__<backend>`, type `i` for an integer id, `s` for a string (base64url, so any
 * string survives). Whichever replica receives the client's answer finds the backend in the id
 * itself and restores the original. Parsed from the right: the backend and the type contain no `_`.
 */
export function encodeServerRequestId(backend: string, id: JsonRpcId): string {
  return typeof id === "number"
    ? `${id}__i__${backend}`
    : `${Buffer.from(id).toString("base64url")}__s__${backend}`;
}

export function decodeServerRequestId(value: JsonRpcId): { backend: string; id: JsonRpcId } | undefined {
  if (typeof value !== "string") return undefined;
  const backendAt = value.lastIndexOf("__");
  if (backendAt < 0) return undefined;
  const typeAt = value.lastIndexOf("__", backendAt - 1);
  if (typeAt < 0) return undefined;
  const backend = value.slice(backendAt + 2);
  const type = value.slice(typeAt + 2, backendAt);
  const raw = value.slice(0, typeAt);
  if (!backend) return undefined;
  if (type === "i") {
    const id = Number(raw);
    return Number.isSafeInteger(id) && raw === String(id) ? { backend, id } : undefined;
  }
  if (type === "s") return { backend, id: Buffer.from(raw, "base64url").toString("utf8") };
  return undefined;
}

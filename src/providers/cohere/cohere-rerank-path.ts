import type { BackendSchema } from "../translator.js";

/** `/<schema.version>/rerank`, the version defaulting to "v2" (the rerank API the endpoint speaks). */
export function cohereRerankPath(schema: BackendSchema): string {
  let version = schema.version ?? "v2";
  while (version.startsWith("/")) version = version.slice(1);
  while (version.endsWith("/")) version = version.slice(0, -1);
  return version === "" ? "/rerank" : `/${version}/rerank`;
}

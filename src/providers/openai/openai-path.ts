import type { BackendSchema } from "../translator.js";

/** "/v1" + "/chat/completions": the schema's prefix (default "/v1") joined to an endpoint suffix. */
export function openAIPath(schema: BackendSchema, suffix: string): string {
  let prefix = schema.prefix ?? "/v1";
  if (!prefix.startsWith("/")) prefix = `/${prefix}`;
  if (prefix.endsWith("/")) prefix = prefix.slice(0, -1);
  return `${prefix}${suffix}`;
}

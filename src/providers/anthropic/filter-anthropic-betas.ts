import type { IncomingHttpHeaders } from "node:http";

/**
 * The client's `anthropic-beta` flags (comma-separated, possibly in repeated headers) that a
 * provider accepts, each once and in the client's order. Clouds that serve Claude reject a whole
 * request for one flag they do not know, so everything off `allowed` is dropped; `aliases` renames
 * flags the provider knows under another name first.
 */
export function filterAnthropicBetas(
  headers: IncomingHttpHeaders,
  allowed: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>> = {},
): string[] {
  const header = headers["anthropic-beta"];
  if (header === undefined) return [];
  const flags: string[] = [];
  for (const value of Array.isArray(header) ? header : [header]) {
    for (const raw of value.split(",")) {
      const name = raw.trim();
      const flag = Object.hasOwn(aliases, name) ? (aliases[name] as string) : name;
      if (allowed.has(flag) && !flags.includes(flag)) flags.push(flag);
    }
  }
  return flags;
}

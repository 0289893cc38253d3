import type { IncomingHttpHeaders } from "node:http";

export interface FilteredBetas {
  /** The flags the platform accepts, under its names, each once, in the client's order. */
  kept: string[];
  /** The client's flags the platform does not know (it would refuse the whole request for one). */
  dropped: string[];
}

/**
 * The client's beta flags, from the `anthropic-beta` header (comma-separated, possibly repeated)
 * and a body `anthropic_beta` (array or string, as Bedrock-shaped clients send), filtered to an
 * allow-list. A flag the platform knows under another name is sent under that name.
 */
export function filterAnthropicBetas(
  headers: IncomingHttpHeaders,
  bodyBetas: unknown,
  allowed: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): FilteredBetas {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const raw of clientFlags(headers["anthropic-beta"], bodyBetas)) {
    const name = raw.trim();
    if (name === "") continue;
    const flag = Object.hasOwn(aliases, name) ? aliases[name]! : name;
    if (allowed.has(flag)) {
      if (!kept.includes(flag)) kept.push(flag);
    } else if (!dropped.includes(name)) {
      dropped.push(name);
    }
  }
  return { kept, dropped };
}

function clientFlags(header: string | string[] | undefined, body: unknown): string[] {
  const flags: string[] = [];
  for (const value of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    flags.push(...value.split(","));
  }
  if (typeof body === "string") flags.push(...body.split(","));
  else if (Array.isArray(body)) for (const v of body) if (typeof v === "string") flags.push(v);
  return flags;
}

import { parse } from "yaml";
import { headerValueProblem, producedHeaderProblem } from "./produced-headers.js";

/**
 * aigw's extension for API-key consumers: an annotation on an `apiKeyAuth` credential Secret
 * whose value maps client ids to the headers a request of that client carries once
 * authenticated (tenant, department, tier ...), in YAML or JSON:
 * `alice: {x-tenant-id: acme, x-tier: gold}`. It is an annotation so the Secret's data stays
 * what Envoy Gateway reads (client id -> API key).
 */
export const CLIENT_HEADERS_ANNOTATION = "aigw/client-headers";

/** Client id -> [lower-case header, value] pairs. */
export type ClientHeaders = ReadonlyMap<string, readonly (readonly [string, string])[]>;

/** Parses the annotation's value; throws an Error saying what is wrong (never a header value). */
export function parseClientHeaders(text: string): ClientHeaders {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new Error(`not YAML or JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  if (parsed === null || parsed === undefined) return new Map();
  if (!isMapping(parsed)) throw new Error("expected a mapping of client id to {header: value}");
  const out = new Map<string, (readonly [string, string])[]>();
  for (const [client, headers] of Object.entries(parsed)) {
    if (!isMapping(headers)) throw new Error(`client ${client}: expected a mapping of header to value`);
    const pairs: (readonly [string, string])[] = [];
    for (const [header, value] of Object.entries(headers)) {
      const nameProblem = producedHeaderProblem(header);
      if (nameProblem) throw new Error(`client ${client}: header ${header}: ${nameProblem}`);
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        throw new Error(`client ${client}: header ${header}: the value must be a string`);
      }
      const valueProblem = headerValueProblem(String(value));
      if (valueProblem) throw new Error(`client ${client}: header ${header}: ${valueProblem}`);
      pairs.push([header.toLowerCase(), String(value)]);
    }
    out.set(client, pairs);
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

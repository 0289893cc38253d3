import type { IncomingHttpHeaders } from "node:http";
import { firstValue } from "../../util/first-value.js";

/**
 * The Anthropic API version the gateway's own translations are written for. Bodies translated from
 * OpenAI chat use fields (temperature, top_p) that API version 2026-10-21 no longer accepts, so
 * they are sent with this version, never with whatever version a client happened to send.
 */
export const PINNED_ANTHROPIC_VERSION = "2023-06-01";

/**
 * Headers for a native Messages passthrough. The client wrote its body for the version it names
 * (SDK 1.x sends 2026-10-21), so that version is forwarded, as are its beta flags; a client that
 * names none gets the pinned version, since the API requires the header.
 */
export function anthropicPassthroughHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {
    "anthropic-version": nonEmptyFirst(headers["anthropic-version"]) ?? PINNED_ANTHROPIC_VERSION,
  };
  const beta = headers["anthropic-beta"];
  if (beta !== undefined && beta.length > 0)
    out["anthropic-beta"] = Array.isArray(beta) ? beta.join(",") : beta;
  return out;
}

/** The first value of a header, with an empty one taken as absent. */
function nonEmptyFirst(value: string | string[] | undefined): string | undefined {
  const v = firstValue(value);
  return v === undefined || v === "" ? undefined : v;
}

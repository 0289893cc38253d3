import { CAPABILITY } from "./mcp-session.js";

type Capabilities = Record<string, unknown>;

/**
 * The union of the backends' server capabilities: a feature any backend offers is offered, its
 * `listChanged` and `subscribe` flags OR-ed; for any other field (experimental, extensions) the
 * first backend that sets it wins.
 */
export function mergeCapabilities(all: readonly Capabilities[]): Capabilities {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const caps of all) {
    for (const [feature, value] of Object.entries(caps)) {
      if (typeof value !== "object" || value === null) continue;
      let into = merged[feature];
      if (!into) {
        into = {};
        merged[feature] = into;
      }
      for (const [flag, v] of Object.entries(value as Record<string, unknown>)) {
        if (flag === "listChanged" || flag === "subscribe") into[flag] = into[flag] === true || v === true;
        else if (!(flag in into)) into[flag] = v;
      }
    }
  }
  return merged;
}

/** The CAPABILITY bits of one backend's capabilities (what the session remembers). */
export function capabilityBits(caps: Capabilities): number {
  let bits = 0;
  for (const [feature, bit] of Object.entries(CAPABILITY)) {
    if (typeof caps[feature] === "object" && caps[feature] !== null) bits |= bit;
  }
  return bits;
}

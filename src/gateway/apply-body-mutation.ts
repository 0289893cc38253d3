import type { BodyMutation } from "../config/snapshot.js";
import { MAX_JSON_DEPTH } from "../providers/json-depth-limit.js";
import { exceedsJsonDepth } from "../util/json-depth.js";
import { GatewayError } from "./gateway-error.js";

/**
 * Sets and removes top-level fields of a JSON upstream body; the body is re-serialised once. That
 * walks the whole body, so, as for a translated request, a body nested more than MAX_JSON_DEPTH
 * levels deep (which would overflow JSON.stringify's stack) is refused with a 400.
 */
export function applyBodyMutation(body: Buffer | string, mutation: BodyMutation): string {
  if (exceedsJsonDepth(body, MAX_JSON_DEPTH)) {
    throw new GatewayError(
      400,
      "BadRequest",
      `invalid request body: JSON nested more than ${MAX_JSON_DEPTH} levels deep`,
      "invalid_request",
    );
  }
  const text = typeof body === "string" ? body : body.toString("utf8");
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const field of mutation.remove) delete parsed[field];
  for (const [field, value] of mutation.set) parsed[field] = value;
  return JSON.stringify(parsed);
}

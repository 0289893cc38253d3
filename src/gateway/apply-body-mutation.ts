import type { BodyMutation } from "../config/snapshot.js";

/** Sets and removes top-level fields of a JSON upstream body; the body is re-serialised once. */
export function applyBodyMutation(body: Buffer | string, mutation: BodyMutation): string {
  const text = typeof body === "string" ? body : body.toString("utf8");
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const field of mutation.remove) delete parsed[field];
  for (const [field, value] of mutation.set) parsed[field] = value;
  return JSON.stringify(parsed);
}

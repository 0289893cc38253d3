import type { LedgerPosition } from "./ledger-store.js";
import type { TimeRange } from "./usage-parameters.js";

/** A time as the ledger stores it, and an id as it makes them. */
const STORED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a `/v1/usage/records` cursor carries: the query it continues and where its last page ended. */
export interface RecordsCursor {
  readonly range: TimeRange;
  readonly consumer: string | undefined;
  readonly after: LedgerPosition;
}

/**
 * The cursor as opaque text (base64url of JSON). It carries the resolved range and filter, so a
 * next page never shifts when defaults move (`to` defaults to now, `from` to today) and needs no
 * other parameter.
 */
export function encodeCursor(cursor: RecordsCursor): string {
  const { range, consumer, after } = cursor;
  return Buffer.from(JSON.stringify([range.from, range.to, consumer ?? null, after.time, after.id])).toString(
    "base64url",
  );
}

/** The cursor, or undefined when the text is not one this API gave out. */
export function decodeCursor(text: string): RecordsCursor | undefined {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 5) return undefined;
  const [from, to, consumer, time, id] = parts as unknown[];
  if (!isStoredTime(from) || !isStoredTime(to) || !isStoredTime(time)) return undefined;
  if (typeof id !== "string" || !UUID.test(id)) return undefined;
  if (consumer !== null && typeof consumer !== "string") return undefined;
  return { range: { from, to }, consumer: consumer ?? undefined, after: { time, id } };
}

function isStoredTime(value: unknown): value is string {
  return typeof value === "string" && STORED_TIME.test(value);
}

// Exact integers with digit grouping: token counts and costs are never rounded to "1.2k".
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const small = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
const smallPercent = new Intl.NumberFormat("en-US", { style: "percent", maximumSignificantDigits: 2 });

/** What a table shows for a value the API gave as null (no data). */
export const NONE = "—";

export function formatInteger(value: number): string {
  return integer.format(value);
}

/** Milliseconds: sub-10 ms values (the gateway's overhead) keep two decimals, the rest are whole. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  return `${value < 10 ? small.format(value) : integer.format(value)} ms`;
}

/** A share as a percentage; one error in thousands is not "0%": small shares keep two significant digits. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  return value > 0 && value < 0.01 ? smallPercent.format(value) : percent.format(value);
}

/** A span of seconds as "12m 30s", "1h 5m", "2d 3h": the two largest units are enough to read a reset time. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const counts: [number, string][] = [
    [Math.floor(total / 86_400), "d"],
    [Math.floor(total / 3_600) % 24, "h"],
    [Math.floor(total / 60) % 60, "m"],
    [total % 60, "s"],
  ];
  const first = counts.findIndex(([count]) => count > 0);
  if (first === -1) return "0s";
  return counts
    .slice(first, first + 2)
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count}${unit}`)
    .join(" ");
}

const pad = (value: number): string => String(value).padStart(2, "0");

/** An RFC 3339 time in the viewer's local time, as "2026-12-03 10:04:05" (sortable, no locale guessing). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return NONE;
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const date = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
  return `${date} ${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
}

/** A `datetime-local` input's value ("2026-12-03T10:04", local time) as RFC 3339 UTC, or null when it is not a time. */
export function localInputToIso(value: string): string | null {
  const time = new Date(value);
  return value === "" || Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/** An RFC 3339 time as a `datetime-local` input's value, in local time. */
export function isoToLocalInput(iso: string): string {
  const time = new Date(iso);
  const date = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
  return `${date}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

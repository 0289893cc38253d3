import { type GroupValue, TOKEN_TOTALS, type UsageTotals } from "./usage-totals.js";

/** Text a spreadsheet would read as a formula when a cell starts with it. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/**
 * `/v1/usage` as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote, a
 * line break or edge spaces, quotes doubled): a header row of the group keys, `requests`, the token
 * totals and one `cost.<key>` column per cost key any row has (sorted), then one line per row. A
 * row without some cost has 0 there; a key without a value is an empty field.
 *
 * Group values come from clients (header attributes, model names), and a spreadsheet opening the
 * file evaluates a cell that starts with `=`, `+`, `-` or `@` as a formula; such text is prefixed
 * with `'`, which spreadsheets show as text (OWASP's advice on CSV injection). The JSON answer
 * carries the values untouched.
 */
export function usageCsv(groupBy: readonly string[], rows: readonly UsageTotals[]): string {
  const costKeys = [...new Set(rows.flatMap((row) => Object.keys(row.costs)))].sort();
  const header = [...groupBy, "requests", ...TOKEN_TOTALS, ...costKeys.map((key) => `cost.${key}`)];
  const lines = [header.map(textField).join(",")];
  for (const row of rows) {
    const fields = groupBy.map((key) => valueField(row.keys[key] ?? null));
    fields.push(String(row.requests));
    for (const column of TOKEN_TOTALS) fields.push(String(row[column]));
    for (const key of costKeys) fields.push(String(row.costs[key] ?? 0));
    lines.push(fields.join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

function valueField(value: GroupValue): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  return textField(value);
}

function textField(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

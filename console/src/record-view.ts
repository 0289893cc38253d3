import { type Child, h } from "./dom.js";
import { NONE } from "./format.js";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Shows a JSON value as it was given, for the parts of a decision record whose shape is the access
 * log's (attempts, limits, the endpoint picker's decision): a list of objects as a table, an object
 * as a description list, a scalar as text.
 */
export function recordValue(value: unknown): Child {
  if (value === null || value === undefined) return NONE;
  if (Array.isArray(value)) {
    if (value.length === 0) return h("span", { class: "muted" }, "none");
    if (!value.every(isRecord))
      return value.map((item) => (typeof item === "object" ? JSON.stringify(item) : String(item))).join(", ");
    const keys = [...new Set(value.flatMap((item) => Object.keys(item)))];
    return h(
      "div",
      { class: "table-scroll", role: "region", "aria-label": "List", tabindex: 0 },
      h(
        "table",
        { class: "compact" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            keys.map((key) => h("th", { scope: "col" }, key)),
          ),
        ),
        h(
          "tbody",
          null,
          value.map((item) =>
            h(
              "tr",
              null,
              keys.map((key) => h("td", null, recordValue(item[key]))),
            ),
          ),
        ),
      ),
    );
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return h("span", { class: "muted" }, "none");
    return h(
      "dl",
      { class: "facts" },
      entries.flatMap(([key, item]) => [h("dt", null, key), h("dd", null, recordValue(item))]),
    );
  }
  return String(value);
}

import { type Child, h } from "./dom.js";

/** A column: its header, and `numeric` to right-align it (numbers line up by digit). */
export interface Column {
  label: string;
  numeric?: boolean;
}

/**
 * A table in a horizontally scrolling region: on a narrow window the table scrolls rather than the
 * page. The region is focusable so a keyboard can scroll it too.
 */
export function scrollingTable(
  label: string,
  columns: Column[],
): { element: HTMLElement; table: HTMLTableElement; tbody: HTMLTableSectionElement } {
  const tbody = h("tbody");
  const table = h(
    "table",
    null,
    h("caption", { class: "visually-hidden" }, label),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        columns.map((column) =>
          h("th", { scope: "col", class: column.numeric ? "num" : null }, column.label),
        ),
      ),
    ),
    tbody,
  );
  const element = h(
    "div",
    { class: "table-scroll", role: "region", "aria-label": label, tabindex: 0 },
    table,
  );
  return { element, table, tbody };
}

/** A row of cells, numeric ones right-aligned as their columns are. */
export function tableRow(
  columns: Column[],
  cells: Child[],
  attributes?: Record<string, string | number>,
): HTMLTableRowElement {
  return h(
    "tr",
    attributes ?? null,
    cells.map((cell, index) => h("td", { class: columns[index]?.numeric ? "num" : null }, cell)),
  );
}

/** A row saying the table is empty, across all its columns. */
export function emptyRow(columns: Column[], text: string): HTMLTableRowElement {
  return h("tr", null, h("td", { colspan: columns.length, class: "empty" }, text));
}

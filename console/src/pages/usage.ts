import { endpointUrl, getJson } from "../api.js";
import type { Usage, UsageGroupSeries, UsageRow } from "../api-types.js";
import { h, replaceChildren, uniqueId } from "../dom.js";
import { formatInteger } from "../format.js";
import { clearError, type Page, pageFrame, showError } from "../page.js";
import { type Range, rangeControl, rangeParameters } from "../range-control.js";
import { emptyRow } from "../table.js";
import { type PlotLine, TimePlot } from "../time-plot.js";

/** A column of the usage table: a group key (text) or a count (an exact integer). */
interface UsageColumn {
  label: string;
  numeric: boolean;
  value: (row: UsageRow) => string | number;
}

type Sort = { column: number; direction: "ascending" | "descending" } | null;

// Kept across visits, as the range is.
let groupBy = "model";
let plotted: "requests" | "total_tokens" = "total_tokens";

const groupLabel = (group: UsageGroupSeries): string =>
  group.keys === null
    ? "Other"
    : Object.values(group.keys)
        .map((value) => value ?? "(none)")
        .join(" / ");

function columnsOf(usage: Usage): UsageColumn[] {
  const costKeys = [...new Set(usage.rows.flatMap((row) => Object.keys(row.costs)))].sort();
  return [
    ...usage.group_by.map((key) => ({
      label: key,
      numeric: false,
      value: (row: UsageRow) => {
        const value = row[key];
        return value === null || value === undefined ? "(none)" : String(value);
      },
    })),
    { label: "Requests", numeric: true, value: (row: UsageRow) => row.requests },
    { label: "Input tokens", numeric: true, value: (row: UsageRow) => row.input_tokens },
    { label: "Output tokens", numeric: true, value: (row: UsageRow) => row.output_tokens },
    { label: "Total tokens", numeric: true, value: (row: UsageRow) => row.total_tokens },
    ...costKeys.map((key) => ({
      label: `Cost: ${key}`,
      numeric: true,
      value: (row: UsageRow) => row.costs[key] ?? 0,
    })),
  ];
}

/**
 * Usage: the usage API's rows grouped by the chosen dimension, one <tr> per row, sortable by any
 * column and filterable by text, exportable as the API's CSV, above a stacked plot of the groups.
 */
export function usagePage(): Page {
  const { element, status } = pageFrame("Usage");
  const controller = new AbortController();
  const groupId = uniqueId("group-by");
  const plotId = uniqueId("plot-metric");
  const filterId = uniqueId("filter");
  const groupSelect = h("select", { id: groupId }, h("option", { value: groupBy }, groupBy));
  const plotSelect = h(
    "select",
    { id: plotId },
    h("option", { value: "total_tokens" }, "Total tokens"),
    h("option", { value: "requests" }, "Requests"),
  );
  plotSelect.value = plotted;
  const filterInput = h("input", { id: filterId, type: "search", autocomplete: "off" });
  const exportLink = h("a", { class: "button-link", download: "usage.csv" }, "Export CSV");
  const thead = h("thead");
  const tbody = h("tbody");
  const table = h("table", null, h("caption", { class: "visually-hidden" }, "Usage by group"), thead, tbody);
  const shownCount = h("p", { class: "muted", "aria-live": "polite" });
  const plotBox = h("div", { class: "plots plots-wide" });
  let plot: TimePlot | null = null;
  let plotKey = "";
  let usage: Usage | null = null;
  let columns: UsageColumn[] = [];
  let sort: Sort = null;
  let range: Range;

  const parameters = (): URLSearchParams => {
    const query = rangeParameters(range);
    query.set("group_by", groupBy);
    return query;
  };

  const applyFilter = (): void => {
    const needle = filterInput.value.trim().toLowerCase();
    let shown = 0;
    for (const row of tbody.querySelectorAll<HTMLTableRowElement>("tr[data-testid=usage-row]")) {
      row.hidden = needle !== "" && !(row.textContent ?? "").toLowerCase().includes(needle);
      if (!row.hidden) shown += 1;
    }
    shownCount.textContent = usage
      ? `${formatInteger(shown)} of ${formatInteger(usage.rows.length)} rows`
      : "";
  };

  const renderBody = (): void => {
    if (!usage) return;
    const rows = [...usage.rows];
    if (sort) {
      const { value, numeric } = columns[sort.column]!;
      const sign = sort.direction === "ascending" ? 1 : -1;
      rows.sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        return sign * (numeric ? Number(x) - Number(y) : String(x).localeCompare(String(y)));
      });
    }
    replaceChildren(
      tbody,
      rows.length === 0
        ? emptyRow(columns, "No usage in this range.")
        : rows.map((row) =>
            h(
              "tr",
              { "data-testid": "usage-row" },
              columns.map((column) => {
                const value = column.value(row);
                return h(
                  "td",
                  { class: column.numeric ? "num" : null },
                  column.numeric ? formatInteger(Number(value)) : value,
                );
              }),
            ),
          ),
    );
    applyFilter();
  };

  const renderHead = (): void => {
    replaceChildren(
      thead,
      h(
        "tr",
        null,
        columns.map((column, index) => {
          const sorted = sort?.column === index ? sort.direction : null;
          const button = h("button", { type: "button", class: "sort" }, column.label);
          button.addEventListener("click", () => {
            // A count sorts largest first, a name A to Z; a second click reverses it.
            const first = column.numeric ? "descending" : "ascending";
            const flipped = sorted === "ascending" ? "descending" : "ascending";
            sort = { column: index, direction: sorted === null ? first : flipped };
            renderHead();
            renderBody();
            (thead.querySelectorAll("button")[index] as HTMLButtonElement | undefined)?.focus();
          });
          return h("th", { scope: "col", class: column.numeric ? "num" : null, "aria-sort": sorted }, button);
        }),
      ),
    );
  };

  const renderPlot = (): void => {
    if (!usage) return;
    const { time, groups } = usage.series;
    const lines: PlotLine[] = groups.map((group, index) => ({
      label: groupLabel(group),
      color: group.keys === null ? "--plot-other" : `--plot-${(index % 10) + 1}`,
    }));
    // The plot's lines are fixed when it is made: a new set of groups makes a new plot.
    const key = JSON.stringify([plotted, lines]);
    if (key !== plotKey || !plot) {
      plot?.destroy();
      const title = `${plotted === "requests" ? "Requests" : "Total tokens"} by ${usage.group_by.join(", ")}`;
      plot = new TimePlot("usage", title, lines, { stacked: true });
      plotKey = key;
      replaceChildren(plotBox, plot.element);
    }
    plot.setData({ time, values: groups.map((group) => group[plotted]) });
  };

  const render = (answer: Usage): void => {
    usage = answer;
    if ([...groupSelect.options].map((option) => option.value).join() !== answer.dimensions.join()) {
      replaceChildren(
        groupSelect,
        answer.dimensions.map((dimension) => h("option", { value: dimension }, dimension)),
      );
      groupSelect.value = groupBy;
    }
    // A sort survives a new range while the columns stay; new columns (a new group) start unsorted.
    const next = columnsOf(answer);
    const labels = (list: UsageColumn[]): string => list.map((column) => column.label).join();
    if (labels(next) !== labels(columns)) sort = null;
    columns = next;
    renderHead();
    renderBody();
    renderPlot();
  };

  let latest = 0;
  const load = async (): Promise<void> => {
    const call = ++latest;
    try {
      const answer = await getJson<Usage>("usage", parameters(), controller.signal);
      if (call !== latest) return;
      // The export covers the range the table shows, not "the last day" as of the click.
      exportLink.href = endpointUrl(
        "usage",
        new URLSearchParams([
          ["from", answer.from],
          ["to", answer.to],
          ["group_by", groupBy],
          ["format", "csv"],
        ]),
      );
      render(answer);
      clearError(status);
    } catch (error) {
      showError(status, error);
    }
  };

  groupSelect.addEventListener("change", () => {
    groupBy = groupSelect.value;
    void load();
  });
  plotSelect.addEventListener("change", () => {
    plotted = plotSelect.value === "requests" ? "requests" : "total_tokens";
    renderPlot();
  });
  filterInput.addEventListener("input", applyFilter);
  const control = rangeControl((chosen) => {
    range = chosen;
    void load();
  });
  range = control.initial();

  element.append(
    control.element,
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "field" }, h("label", { for: groupId }, "Group by"), groupSelect),
      h("div", { class: "field" }, h("label", { for: plotId }, "Plot"), plotSelect),
      h("div", { class: "field" }, h("label", { for: filterId }, "Filter"), filterInput),
      exportLink,
    ),
    plotBox,
    shownCount,
    h("div", { class: "table-scroll", role: "region", "aria-label": "Usage by group", tabindex: 0 }, table),
  );
  void load();
  return {
    title: "Usage",
    element,
    dispose: () => {
      controller.abort();
      plot?.destroy();
    },
  };
}

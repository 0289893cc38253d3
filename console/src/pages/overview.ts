import { getJson } from "../api.js";
import type { Overview } from "../api-types.js";
import { h, replaceChildren } from "../dom.js";
import { formatInteger, formatMs } from "../format.js";
import { clearError, type Page, pageFrame, showError } from "../page.js";
import { startPolling } from "../poller.js";
import { type Range, rangeControl, rangeParameters } from "../range-control.js";
import { emptyRow, scrollingTable } from "../table.js";
import { TimePlot } from "../time-plot.js";

const livePollMs = 2_000;

/** A total: its label and number; `testid` names it for the browser tests. */
function total(label: string, testid: string): { element: HTMLElement; value: HTMLElement } {
  const value = h("span", { class: "total-value", "data-testid": testid }, "—");
  return { element: h("div", { class: "total" }, h("span", { class: "total-label" }, label), value), value };
}

const msNumber = (value: number): string => formatMs(value).replace(/ ms$/, "");

/**
 * The overview: the range's totals, plots of requests and errors, tokens, the gateway's overhead and
 * each cost key, and the top values of each dimension. Live: it re-fetches every 2 s while the tab is visible and
 * updates the numbers and plots in place.
 */
export function overviewPage(): Page {
  const { element, status } = pageFrame("Overview");
  const controller = new AbortController();
  const totals = {
    requests: total("Requests", "total-requests"),
    input: total("Input tokens", "total-input-tokens"),
    output: total("Output tokens", "total-output-tokens"),
    errors: total("Errors", "total-errors"),
  };
  const costTotals = new Map<string, ReturnType<typeof total>>();
  const totalsBox = h(
    "div",
    { class: "totals" },
    Object.values(totals).map((entry) => entry.element),
  );
  const rangeNote = h("p", { class: "muted range-note" });
  const plots = [
    new TimePlot("requests", "Requests and errors", [
      { label: "Requests", color: "--plot-1" },
      { label: "Errors", color: "--plot-error" },
    ]),
    new TimePlot("tokens", "Input and output tokens", [
      { label: "Input tokens", color: "--plot-2" },
      { label: "Output tokens", color: "--plot-3" },
    ]),
    new TimePlot(
      "overhead",
      "Gateway overhead (ms)",
      [
        { label: "p50", color: "--plot-4" },
        { label: "p99", color: "--plot-5" },
      ],
      { format: msNumber, gappy: true },
    ),
  ];
  const plotsBox = h(
    "div",
    { class: "plots" },
    plots.map((plot) => plot.element),
  );
  // One line per cost key (llmRequestCosts): made once the keys are known, again if they change.
  let costPlot: TimePlot | undefined;
  let costKeys = "";
  const topBox = h("div", { class: "tops" });
  let range: Range;
  let lastTop = "";

  const renderTop = (top: Overview["top"]): void => {
    // Rebuilt only when the values changed, so a live refresh does not reset a scrolled table.
    const text = JSON.stringify(top);
    if (text === lastTop) return;
    lastTop = text;
    replaceChildren(
      topBox,
      Object.entries(top).map(([dimension, entries]) => {
        const label = `Top ${dimension}`;
        const columns = [{ label: dimension }, { label: "Requests", numeric: true }];
        const table = scrollingTable(label, columns);
        if (entries.length === 0) table.tbody.append(emptyRow(columns, "No requests in this range."));
        for (const entry of entries) {
          table.tbody.append(
            h(
              "tr",
              null,
              h("td", null, entry.value ?? "(none)"),
              h("td", { class: "num" }, formatInteger(entry.requests)),
            ),
          );
        }
        return h("section", { class: "top" }, h("h2", null, label), table.element);
      }),
    );
  };

  const render = (overview: Overview): void => {
    totals.requests.value.textContent = formatInteger(overview.totals.requests);
    totals.input.value.textContent = formatInteger(overview.totals.input_tokens);
    totals.output.value.textContent = formatInteger(overview.totals.output_tokens);
    totals.errors.value.textContent = formatInteger(overview.totals.errors);
    // A cost key the new answer lacks (another range) must not keep showing its old number.
    for (const [key, entry] of costTotals) {
      if (!Object.hasOwn(overview.totals.costs, key)) {
        entry.element.remove();
        costTotals.delete(key);
      }
    }
    for (const [key, cost] of Object.entries(overview.totals.costs)) {
      let entry = costTotals.get(key);
      if (!entry) {
        entry = total(`Cost: ${key}`, `total-cost-${key}`);
        costTotals.set(key, entry);
        totalsBox.append(entry.element);
      }
      entry.value.textContent = formatInteger(cost);
    }
    rangeNote.textContent = `${new Date(overview.from).toLocaleString()} – ${new Date(overview.to).toLocaleString()}, ${overview.bucket_seconds >= 3600 ? "hourly" : "per-minute"} buckets`;
    const { series, overhead } = overview;
    plots[0]!.setData({ time: series.time, values: [series.requests, series.errors] });
    plots[1]!.setData({ time: series.time, values: [series.input_tokens, series.output_tokens] });
    plots[2]!.setData({ time: overhead.time, values: [overhead.p50_ms, overhead.p99_ms] });
    const keys = Object.keys(series.costs).sort();
    if (keys.join("\n") !== costKeys) {
      costKeys = keys.join("\n");
      costPlot?.destroy();
      costPlot?.element.remove();
      costPlot =
        keys.length === 0
          ? undefined
          : new TimePlot(
              "costs",
              "Cost",
              keys.map((key, i) => ({ label: key, color: `--plot-${(i % 10) + 1}` })),
            );
      if (costPlot) plotsBox.append(costPlot.element);
    }
    costPlot?.setData({ time: series.time, values: keys.map((key) => series.costs[key] ?? []) });
    renderTop(overview.top);
  };

  // A live refresh still in flight when the range changes must not draw the old range over the new.
  let latest = 0;
  const load = async (): Promise<void> => {
    const call = ++latest;
    try {
      const overview = await getJson<Overview>("overview", rangeParameters(range), controller.signal);
      if (call !== latest) return;
      render(overview);
      clearError(status);
    } catch (error) {
      showError(status, error);
    }
  };

  const control = rangeControl((chosen) => {
    range = chosen;
    void load();
  });
  range = control.initial();
  element.append(control.element, rangeNote, totalsBox, plotsBox, topBox);
  const stop = startPolling(livePollMs, load);
  return {
    title: "Overview",
    element,
    dispose: () => {
      stop();
      controller.abort();
      for (const plot of plots) plot.destroy();
      costPlot?.destroy();
    },
  };
}

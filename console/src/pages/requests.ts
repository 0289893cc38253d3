import { ApiError, getJson, isSilent } from "../api.js";
import type { RequestRecord, RequestSummary, Requests } from "../api-types.js";
import { statusBadge } from "../badge.js";
import { h, replaceChildren, uniqueId } from "../dom.js";
import { formatMs, formatTime, NONE } from "../format.js";
import { clearError, type Page, pageFrame, showError } from "../page.js";
import { startPolling } from "../poller.js";
import { recordValue } from "../record-view.js";
import { scrollingTable } from "../table.js";

const livePollMs = 1_000;
const filterDelayMs = 300;
// The gateway keeps the last 1,000 records; the table keeps no more than that.
const maxRows = 1_000;

const columns = [
  { label: "Time" },
  { label: "Request id" },
  { label: "Model" },
  { label: "Tenant / consumer" },
  { label: "Status" },
  { label: "Latency", numeric: true },
];

// The record's fields in the order an operator reads them; any others follow as given.
const detailOrder = [
  "time",
  "status",
  "duration_ms",
  "ttft_ms",
  "error",
  "route",
  "rule",
  "match",
  "operation",
  "stream",
  "consumer",
  "attributes",
  "original_model",
  "request_model",
  "model",
  "response_model",
  "backend",
  "attempts",
  "limits",
  "inference",
  "usage",
  "costs",
];

const who = (record: RequestSummary): string =>
  [...Object.values(record.attributes ?? {}), record.consumer].filter((value) => value).join(" · ") || NONE;

function details(record: RequestRecord): HTMLElement {
  const keys = [
    ...detailOrder.filter((key) => key in record),
    ...Object.keys(record).filter((key) => !detailOrder.includes(key) && key !== "id" && key !== "seq"),
  ];
  return h(
    "dl",
    { class: "facts" },
    keys.flatMap((key) => {
      const value = record[key];
      const shown =
        key === "time"
          ? formatTime(String(value))
          : key.endsWith("_ms") && typeof value === "number"
            ? formatMs(value)
            : recordValue(value);
      return [h("dt", null, key), h("dd", null, shown)];
    }),
  );
}

/**
 * Requests: the latest decision records, newest first, polled every second for newer ones
 * (`after=<last_seq>`, prepended); the filter is the API's `q`. A row opens its full record.
 */
export function requestsPage(): Page {
  const { element, status } = pageFrame("Requests");
  const controller = new AbortController();
  const filterId = uniqueId("filter");
  const filterInput = h("input", { id: filterId, type: "search", autocomplete: "off" });
  const table = scrollingTable("Latest requests", columns);
  const panelTitle = h("h2", { id: "request-details-title", tabindex: -1 }, "Request");
  const panelBody = h("div");
  const closeButton = h("button", { type: "button", class: "close" }, "Close");
  const panel = h(
    "aside",
    { class: "details card", "aria-labelledby": "request-details-title", hidden: true },
    h("div", { class: "details-head" }, panelTitle, closeButton),
    panelBody,
  );
  let lastSeq: number | null = null;
  let opener: HTMLElement | null = null;
  // The record the panel is for: an answer for one opened before it is dropped.
  let showing = "";

  const row = (record: RequestSummary): HTMLTableRowElement => {
    const open = h(
      "button",
      { type: "button", class: "link", "aria-label": `Open request ${record.id}` },
      h("code", null, record.id),
    );
    const tr = h(
      "tr",
      { "data-testid": "request-row", "data-request-id": record.id, class: "clickable" },
      h("td", null, h("time", { datetime: record.time }, formatTime(record.time))),
      h("td", null, open),
      h("td", null, record.model ?? NONE),
      h("td", null, who(record)),
      h("td", null, statusBadge(record.status)),
      h("td", { class: "num" }, formatMs(record.duration_ms)),
    );
    open.addEventListener("click", (event) => {
      event.stopPropagation();
      void openRecord(record.id, open);
    });
    tr.addEventListener("click", () => void openRecord(record.id, open));
    return tr;
  };

  const openRecord = async (id: string, from: HTMLElement): Promise<void> => {
    opener = from;
    showing = id;
    panel.hidden = false;
    panelTitle.textContent = `Request ${id}`;
    replaceChildren(panelBody, h("p", { class: "muted" }, "Loading…"));
    for (const tr of table.tbody.rows) tr.classList.toggle("selected", tr.dataset.requestId === id);
    panelTitle.focus();
    try {
      const record = await getJson<RequestRecord>(
        `requests/${encodeURIComponent(id)}`,
        undefined,
        controller.signal,
      );
      if (showing === id) replaceChildren(panelBody, details(record));
    } catch (error) {
      if (isSilent(error) || showing !== id) return;
      const text =
        error instanceof ApiError && error.status === 404
          ? "This record is no longer held by the gateway."
          : String(error instanceof Error ? error.message : error);
      replaceChildren(panelBody, h("p", { class: "status-error" }, text));
    }
  };

  closeButton.addEventListener("click", () => {
    panel.hidden = true;
    for (const tr of table.tbody.rows) tr.classList.remove("selected");
    if (opener?.isConnected) opener.focus();
  });

  // A new filter starts over; a live poll still in flight for the old one is dropped.
  let latest = 0;
  const load = async (): Promise<void> => {
    const call = ++latest;
    const query = new URLSearchParams();
    const q = filterInput.value.trim();
    if (q !== "") query.set("q", q);
    if (lastSeq !== null) {
      // As many as the gateway keeps: more than a page may have arrived since the last poll.
      query.set("after", String(lastSeq));
      query.set("limit", "1000");
    }
    try {
      const answer = await getJson<Requests>("requests", query, controller.signal);
      if (call !== latest) return;
      clearError(status);
      const rows = answer.records.map(row);
      if (lastSeq === null) {
        replaceChildren(
          table.tbody,
          rows.length > 0
            ? rows
            : h(
                "tr",
                { class: "placeholder" },
                h("td", { colspan: columns.length, class: "empty" }, "No requests yet."),
              ),
        );
      } else if (rows.length > 0) {
        table.tbody.querySelector("tr.placeholder")?.remove();
        for (const tr of rows) tr.classList.add("new");
        table.tbody.prepend(...rows);
        while (table.tbody.rows.length > maxRows) table.tbody.lastElementChild?.remove();
      }
      // A last_seq below ours means the gateway restarted (its records start over): the next poll reloads.
      const restarted = lastSeq !== null && answer.last_seq > 0 && answer.last_seq < lastSeq;
      lastSeq = restarted ? null : Math.max(lastSeq ?? 0, answer.last_seq);
    } catch (error) {
      showError(status, error);
    }
  };

  let filterTimer: ReturnType<typeof setTimeout> | undefined;
  filterInput.addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      lastSeq = null;
      void load();
    }, filterDelayMs);
  });

  element.append(
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "field" }, h("label", { for: filterId }, "Filter"), filterInput),
      h("p", { class: "muted live" }, "Live: new requests appear at the top."),
    ),
    h("div", { class: "split" }, table.element, panel),
  );
  const stop = startPolling(livePollMs, load);
  return {
    title: "Requests",
    element,
    dispose: () => {
      stop();
      clearTimeout(filterTimer);
      controller.abort();
    },
  };
}

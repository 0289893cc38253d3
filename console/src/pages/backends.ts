import { getJson } from "../api.js";
import type { Backends, Percentiles } from "../api-types.js";
import { healthBadge } from "../badge.js";
import { h, replaceChildren } from "../dom.js";
import { formatDuration, formatInteger, formatMs, formatRate, formatTime, NONE } from "../format.js";
import { clearError, type Page, pageFrame, showError } from "../page.js";
import { startPolling } from "../poller.js";
import { emptyRow, scrollingTable, tableRow } from "../table.js";

const pollMs = 5_000;

const percentiles = (value: Percentiles): string => `${formatMs(value.p50)} / ${formatMs(value.p99)}`;

const backendColumns = [
  { label: "Backend" },
  { label: "Health" },
  { label: "Requests", numeric: true },
  { label: "Error rate", numeric: true },
  { label: "Latency p50 / p99", numeric: true },
  { label: "TTFT p50 / p99", numeric: true },
  { label: "Failovers", numeric: true },
  { label: "Ejections", numeric: true },
  { label: "Last ejection" },
];

const endpointColumns = [
  { label: "Endpoint" },
  { label: "Health" },
  { label: "Ready" },
  { label: "Requests", numeric: true },
  { label: "Error rate", numeric: true },
  { label: "Latency p50 / p99", numeric: true },
  { label: "TTFT p50 / p99", numeric: true },
  { label: "Queue", numeric: true },
  { label: "KV cache", numeric: true },
  { label: "Metrics age", numeric: true },
];

function backendsTable(backends: Backends): HTMLElement {
  const table = scrollingTable("Backends", backendColumns);
  if (backends.backends.length === 0)
    table.tbody.append(emptyRow(backendColumns, "No AIServiceBackends are configured."));
  for (const backend of backends.backends) {
    const health = h("span", { class: "health" }, healthBadge(backend.health));
    if (backend.health === "ejected" && backend.ejected_for_seconds > 0) {
      health.append(h("span", { class: "muted" }, ` for ${formatDuration(backend.ejected_for_seconds)}`));
    }
    const ejection = backend.last_ejection;
    table.tbody.append(
      tableRow(
        backendColumns,
        [
          h("code", null, backend.backend),
          health,
          formatInteger(backend.requests),
          formatRate(backend.error_rate),
          percentiles(backend.latency_ms),
          percentiles(backend.ttft_ms),
          formatInteger(backend.failovers),
          formatInteger(backend.ejections),
          ejection ? `${ejection.reason} (${formatTime(ejection.time)})` : NONE,
        ],
        { "data-testid": "backend-row", "data-backend": backend.backend },
      ),
    );
  }
  return table.element;
}

function poolSection(pool: Backends["pools"][number]): HTMLElement {
  const table = scrollingTable(`Endpoints of ${pool.pool}`, endpointColumns);
  if (pool.endpoints.length === 0) table.tbody.append(emptyRow(endpointColumns, "No endpoints discovered."));
  for (const endpoint of pool.endpoints) {
    table.tbody.append(
      tableRow(
        endpointColumns,
        [
          h("code", null, endpoint.endpoint),
          healthBadge(endpoint.health),
          endpoint.ready ? "yes" : "no",
          formatInteger(endpoint.requests),
          formatRate(endpoint.error_rate),
          percentiles(endpoint.latency_ms),
          percentiles(endpoint.ttft_ms),
          endpoint.queue === null ? NONE : formatInteger(endpoint.queue),
          formatRate(endpoint.kv_cache),
          formatMs(endpoint.metrics_age_ms),
        ],
        { "data-testid": "endpoint-row" },
      ),
    );
  }
  return h("section", { class: "card" }, h("h3", null, "Pool ", h("code", null, pool.pool)), table.element);
}

/** Backends: each backend's and pool endpoint's recent attempts, latencies, failovers, ejections and health, refreshed every 5 s. */
export function backendsPage(): Page {
  const { element, status } = pageFrame("Backends");
  const controller = new AbortController();
  const body = h("div");
  let last = "";

  const load = async (): Promise<void> => {
    try {
      const backends = await getJson<Backends>("backends", undefined, controller.signal);
      clearError(status);
      const text = JSON.stringify(backends);
      if (text === last) return;
      last = text;
      replaceChildren(
        body,
        h(
          "p",
          { class: "muted" },
          `Attempts of the last ${formatDuration(backends.window_seconds)} in this process.`,
        ),
        backendsTable(backends),
        backends.pools.length > 0 && h("h2", null, "Inference pools"),
        backends.pools.map(poolSection),
      );
    } catch (error) {
      showError(status, error);
    }
  };

  element.append(body);
  const stop = startPolling(pollMs, load);
  return {
    title: "Backends",
    element,
    dispose: () => {
      stop();
      controller.abort();
    },
  };
}

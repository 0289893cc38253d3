import { getJson } from "../api.js";
import type { LimitRule, Limits } from "../api-types.js";
import { badge } from "../badge.js";
import { h, replaceChildren } from "../dom.js";
import { formatDuration, formatInteger } from "../format.js";
import { clearError, type Page, pageFrame, showError } from "../page.js";
import { startPolling } from "../poller.js";
import { emptyRow, scrollingTable, tableRow } from "../table.js";

const pollMs = 5_000;

const kinds: Record<string, string> = { rate_limit: "rate limit", quota: "quota" };

const columns = [
  { label: "Bucket" },
  { label: "Use" },
  { label: "Used", numeric: true },
  { label: "Limit", numeric: true },
  { label: "Remaining", numeric: true },
  { label: "Resets" },
];

function ruleSection(rule: LimitRule): HTMLElement {
  const table = scrollingTable(`Buckets of ${rule.rule}`, columns);
  if (rule.buckets.length === 0) table.tbody.append(emptyRow(columns, "No traffic in the current window."));
  for (const bucket of rule.buckets) {
    const meter = h("meter", {
      min: 0,
      max: bucket.limit,
      low: bucket.limit * 0.75,
      high: bucket.limit * 0.9,
      optimum: 0,
      value: bucket.used,
    });
    meter.setAttribute(
      "aria-label",
      `${bucket.bucket}: ${formatInteger(bucket.used)} of ${formatInteger(bucket.limit)}`,
    );
    table.tbody.append(
      tableRow(
        columns,
        [
          h("code", null, bucket.bucket),
          meter,
          formatInteger(bucket.used),
          formatInteger(bucket.limit),
          formatInteger(bucket.remaining),
          `resets in ${formatDuration(bucket.resets_in_seconds)}`,
        ],
        { "data-testid": "limit-bucket" },
      ),
    );
  }
  return h(
    "section",
    { class: "card", "data-testid": "limit-rule" },
    h("h2", null, rule.rule),
    h(
      "p",
      { class: "rule-facts" },
      badge(kinds[rule.kind] ?? rule.kind, "muted"),
      rule.shadow && badge("shadow", "warn"),
      h("span", null, `limit ${formatInteger(rule.limit)} per ${formatDuration(rule.window_seconds)}`),
      rule.distinct && h("span", { class: "muted" }, "per distinct key"),
    ),
    table.element,
  );
}

/** Limits and budgets: every token rate-limit rule and quota with its busiest buckets' use, refreshed every 5 s. */
export function limitsPage(): Page {
  const { element, status } = pageFrame("Limits");
  const controller = new AbortController();
  const body = h("div", { class: "cards" });
  let last = "";

  const load = async (): Promise<void> => {
    try {
      const limits = await getJson<Limits>("limits", undefined, controller.signal);
      clearError(status);
      const text = JSON.stringify(limits);
      if (text === last) return;
      last = text;
      replaceChildren(
        body,
        limits.rules.length === 0
          ? h("p", { class: "muted" }, "The configuration has no token rate limits or quotas.")
          : limits.rules.map(ruleSection),
      );
    } catch (error) {
      showError(status, error);
    }
  };

  element.append(body);
  const stop = startPolling(pollMs, load);
  return {
    title: "Limits",
    element,
    dispose: () => {
      stop();
      controller.abort();
    },
  };
}

import { getJson } from "../api.js";
import type { Config } from "../api-types.js";
import { badge } from "../badge.js";
import { h, replaceChildren } from "../dom.js";
import { formatInteger, formatTime } from "../format.js";
import { clearError, type Page, pageFrame, showError } from "../page.js";
import { startPolling } from "../poller.js";
import { emptyRow, scrollingTable, tableRow } from "../table.js";

// Often enough to see an edit of the config file go live (or be refused) without reloading.
const pollMs = 5_000;

const resourceColumns = [{ label: "Kind" }, { label: "Namespace" }, { label: "Name" }, { label: "Status" }];

function list(items: string[], empty: string): HTMLElement {
  return items.length === 0
    ? h("p", { class: "muted" }, empty)
    : h(
        "ul",
        { class: "plain" },
        items.map((item) => h("li", null, item)),
      );
}

function lastReload(reload: Config["last_reload"]): HTMLElement {
  if (reload === null)
    return h(
      "p",
      { class: "muted", "data-testid": "last-reload" },
      "No reload attempted since the gateway started.",
    );
  const applied = reload.outcome === "applied";
  return h(
    "div",
    { "data-testid": "last-reload" },
    h(
      "p",
      null,
      badge(reload.outcome, applied ? "good" : "bad"),
      " at ",
      h("time", { datetime: reload.time }, formatTime(reload.time)),
    ),
    // The errors exactly as `aigw validate` prints them: preformatted, not reflowed.
    reload.errors &&
      h("pre", { class: "errors", "data-testid": "reload-errors", tabindex: 0 }, reload.errors),
  );
}

function render(config: Config): HTMLElement[] {
  const resources = scrollingTable("Resources", resourceColumns);
  if (config.resources.length === 0)
    resources.tbody.append(emptyRow(resourceColumns, "No resources loaded."));
  for (const resource of config.resources) {
    resources.tbody.append(
      tableRow(resourceColumns, [
        resource.kind,
        resource.namespace,
        resource.name,
        badge(resource.status, resource.status === "served" ? "good" : "muted"),
      ]),
    );
  }
  return [
    h(
      "section",
      { class: "card" },
      h("h2", null, "Served configuration"),
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Hash"),
        h("dd", null, h("code", { "data-testid": "config-hash" }, config.hash)),
        h("dt", null, "Generation"),
        h("dd", null, formatInteger(config.generation)),
        h("dt", null, "Applied at"),
        h("dd", null, h("time", { datetime: config.applied_at }, formatTime(config.applied_at))),
        h("dt", null, "Sources"),
        h("dd", null, list(config.sources, "none")),
      ),
    ),
    h("section", { class: "card" }, h("h2", null, "Last reload"), lastReload(config.last_reload)),
    h("section", { class: "card" }, h("h2", null, "Resources"), resources.element),
    h("section", { class: "card" }, h("h2", null, "Warnings"), list(config.warnings, "No warnings.")),
    h("section", { class: "card" }, h("h2", null, "Ignored"), list(config.ignored, "Nothing ignored.")),
  ];
}

/** Configuration: what is being served (hash, generation, sources, resources) and the last reload's outcome. */
export function configPage(): Page {
  const { element, status } = pageFrame("Configuration");
  const controller = new AbortController();
  const body = h("div", { class: "cards" });
  let last = "";

  const load = async (): Promise<void> => {
    try {
      const config = await getJson<Config>("config", undefined, controller.signal);
      clearError(status);
      const text = JSON.stringify(config);
      if (text === last) return;
      last = text;
      replaceChildren(body, render(config));
    } catch (error) {
      showError(status, error);
    }
  };

  element.append(body);
  const stop = startPolling(pollMs, load);
  return {
    title: "Configuration",
    element,
    dispose: () => {
      stop();
      controller.abort();
    },
  };
}

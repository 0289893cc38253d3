import { isSilent } from "./api.js";
import { h } from "./dom.js";

/** A page of the console: its element, and what stops its polling and frees its plots when left. */
export interface Page {
  readonly title: string;
  readonly element: HTMLElement;
  dispose(): void;
}

/** A page's heading and the place its load errors show (role=alert, so they are announced). */
export function pageFrame(title: string): { element: HTMLElement; status: HTMLElement } {
  const status = h("p", { class: "status-error", role: "alert", hidden: true });
  const element = h(
    "section",
    { class: "page", "aria-labelledby": "page-title" },
    h("h1", { id: "page-title" }, title),
    status,
  );
  return { element, status };
}

/** Shows a failed call's message in the page's status line (none for a 401 or an aborted call). */
export function showError(status: HTMLElement, error: unknown): void {
  if (isSilent(error)) return;
  status.textContent = error instanceof Error ? error.message : String(error);
  status.hidden = false;
}

export function clearError(status: HTMLElement): void {
  status.hidden = true;
  status.textContent = "";
}

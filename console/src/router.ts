import type { Page } from "./page.js";

/** A page the navigation names, at `#/<path>`. */
export interface Route {
  path: string;
  label: string;
  create: () => Page;
}

/**
 * Hash routing (`#/overview`, ...): the admin listener serves one HTML file, so the route lives in the
 * fragment. Each change disposes the page left (its polling stops) and mounts the new one in `main`.
 */
export class Router {
  private page: Page | null = null;
  private readonly onHash = (): void => this.show(true);

  constructor(
    private readonly routes: Route[],
    private readonly main: HTMLElement,
    private readonly links: Map<string, HTMLAnchorElement>,
  ) {}

  start(): void {
    window.addEventListener("hashchange", this.onHash);
    this.show(false);
  }

  stop(): void {
    window.removeEventListener("hashchange", this.onHash);
    this.page?.dispose();
    this.page = null;
  }

  private show(moveFocus: boolean): void {
    const path = location.hash.replace(/^#\/?/, "");
    const route = this.routes.find((candidate) => candidate.path === path);
    if (!route) {
      // An unknown or empty fragment: the overview, without a history entry of its own.
      history.replaceState(null, "", `#/${this.routes[0]!.path}`);
      this.show(moveFocus);
      return;
    }
    this.page?.dispose();
    this.page = route.create();
    this.main.replaceChildren(this.page.element);
    document.title = `${this.page.title} · aigw console`;
    for (const [name, link] of this.links) {
      if (name === route.path) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    // A screen reader or keyboard user lands on the new page, not on the link left behind.
    if (moveFocus) this.main.focus();
  }
}

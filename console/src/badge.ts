import { h } from "./dom.js";

/** The tone a badge is drawn in; the CSS gives each one its colours in light and dark. */
export type Tone = "good" | "warn" | "bad" | "muted";

export function badge(text: string, tone: Tone): HTMLElement {
  return h("span", { class: `badge badge-${tone}` }, text);
}

const healthTones: Record<string, Tone> = {
  healthy: "good",
  paused: "warn",
  ejected: "bad",
  unhealthy: "bad",
};

/** A backend's or endpoint's health. */
export function healthBadge(health: string): HTMLElement {
  return badge(health, healthTones[health] ?? "muted");
}

/** An HTTP status: 2xx good, 4xx warn, the rest bad. */
export function statusBadge(status: number): HTMLElement {
  const tone: Tone = status >= 200 && status < 300 ? "good" : status >= 400 && status < 500 ? "warn" : "bad";
  return badge(String(status), tone);
}

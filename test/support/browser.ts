import { existsSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";

/**
 * Debian's Chromium (or AIGW_CHROMIUM), driven by playwright-core, which brings no browser of its
 * own. Where none is installed the browser tests are skipped with that reason, unless
 * AIGW_REQUIRE_BROWSER is set (CI sets it after installing Chromium), when they fail instead.
 */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function chromiumPath(): string | undefined {
  const chosen = process.env.AIGW_CHROMIUM;
  if (chosen) return chosen;
  return CANDIDATES.find((path) => existsSync(path));
}

/** The `skip` option of a browser test: false when it can run, else why not. */
export function browserSkip(): string | false {
  if (chromiumPath() !== undefined || process.env.AIGW_REQUIRE_BROWSER) return false;
  return "no Chromium here (apt-get install chromium, or set AIGW_CHROMIUM)";
}

/**
 * Headless Chromium as root on a closed network: no sandbox (root), and none of the background
 * connections it makes at start (they are refused here, many at a time, and slow it down).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error("AIGW_REQUIRE_BROWSER is set but no Chromium is installed (apt-get install chromium)");
  }
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that keeps every console error, uncaught exception and failed request it sees. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (request) => {
    const why = request.failure()?.errorText ?? "";
    // Calls the page cancels itself (leaving a page, a reload) are not failures.
    if (why !== "net::ERR_ABORTED") problems.push(`request failed: ${request.url()} ${why}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`answer ${response.status()}: ${response.url()}`);
  });
  return { page, problems };
}

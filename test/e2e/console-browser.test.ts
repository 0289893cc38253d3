import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { request } from "undici";
import { browserSkip, launchChromium, watchedPage } from "../support/browser.js";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  openAIBackendDocs,
  rateLimitPolicyDoc,
  routeDoc,
  tokenCost,
} from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The console in a real headless Chromium, against a gateway that served known traffic: three
 * tenants (a header attribute) on two models, with a token cost and a per-tenant token rate limit.
 * Every page renders without a console error, the numbers shown are the usage API's, the Usage
 * filter and the range selector change what is shown, a new request appears live on the overview
 * and the requests page, and a wrong token is refused. With AIGW_CONSOLE_SCREENSHOTS=<dir> each
 * page is also saved there (docs/console/ holds the ones the README shows).
 */

const ADMIN_TOKEN = "console-browser-admin-token";
const TENANTS = ["acme", "globex", "initech"] as const;
const MODELS = ["gpt-4o", "gpt-4o-mini"] as const;
/** Requests per tenant and model: every total differs, so a swapped column would show. */
const SENT: Record<(typeof TENANTS)[number], Record<(typeof MODELS)[number], number>> = {
  acme: { "gpt-4o": 4, "gpt-4o-mini": 1 },
  globex: { "gpt-4o": 2, "gpt-4o-mini": 3 },
  initech: { "gpt-4o": 1, "gpt-4o-mini": 2 },
};
const TOTAL_SENT = Object.values(SENT).reduce(
  (n, byModel) => n + byModel["gpt-4o"] + byModel["gpt-4o-mini"],
  0,
);
const SCREENSHOTS = process.env.AIGW_CONSOLE_SCREENSHOTS;
const skip = browserSkip();

let upstream: RecordingUpstream;
let gateway: TestGateway;
let browser: Browser;
let consoleUrl: string;

function client(tenant: string): OpenAI {
  return new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    defaultHeaders: { "x-tenant-id": tenant },
    maxRetries: 0,
  });
}

async function chat(tenant: string, model: string): Promise<string> {
  const answer = await client(tenant)
    .chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] })
    .withResponse();
  return answer.response.headers.get("x-aigw-request-id") ?? "";
}

async function usageApi(groupBy: string): Promise<Record<string, unknown>[]> {
  const { statusCode, body } = await request(
    `${gateway.gateway.adminUrl}/v1/usage?from=2000-01-01&group_by=${groupBy}`,
    { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
  );
  assert.equal(statusCode, 200);
  return ((await body.json()) as { rows: Record<string, unknown>[] }).rows;
}

/** The digits of a number as the console shows it ("1,234" → 1234). */
function shown(text: string | null): number {
  return Number((text ?? "").replace(/[^\d]/g, ""));
}

async function signIn(page: Page): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel("Admin token", { exact: true }).fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByRole("navigation").getByRole("link", { name: "Overview", exact: true }).waitFor();
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function freshContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 } });
}

before(async () => {
  if (skip) return;
  upstream = await startFakeOpenAI();
  const dataHome = mkdtempSync(join(tmpdir(), "aigw-console-browser-"));
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("openai-a", upstream.url),
      openAIBackendDocs("openai-b", upstream.url),
      routeDoc("chat", {
        rules: [
          { matches: [modelIs("gpt-4o")], backendRefs: [{ name: "openai-a" }] },
          { matches: [modelIs("gpt-4o-mini")], backendRefs: [{ name: "openai-b" }] },
        ],
        llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
      }),
      rateLimitPolicyDoc("tenant-tokens", { route: "chat" }, [
        {
          clientSelectors: [{ headers: [{ name: "x-tenant-id", type: "Distinct" }] }],
          limit: { requests: 1_000, unit: "Hour" },
          cost: tokenCost("llm_total_token"),
        },
      ]),
    ),
    {
      adminToken: ADMIN_TOKEN,
      requestHeaderAttributes: [{ header: "x-tenant-id", attribute: "tenant.id" }],
      ledger: {
        url: `sqlite:${join(dataHome, "ledger.sqlite")}`,
        dataHome,
        settings: { flushIntervalMs: 200 },
      },
    },
  );
  consoleUrl = `${gateway.gateway.adminUrl}/console/`;
  for (const tenant of TENANTS) {
    for (const model of MODELS) {
      for (let i = 0; i < SENT[tenant][model]; i++) await chat(tenant, model);
    }
  }
  await gateway.waitForRecords(TOTAL_SENT);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  await upstream?.close();
});

test("a wrong token is refused and the form stays, with a message", { skip }, async () => {
  const context = await freshContext();
  const { page } = await watchedPage(context);
  await page.goto(consoleUrl);
  await page.getByLabel("Admin token").fill("not-the-token");
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByText(/not valid/i).waitFor();
  assert.equal(await page.getByLabel("Admin token").isVisible(), true);
  assert.equal(await page.getByRole("navigation").count(), 0, "no page behind the form");
  await screenshot(page, "login");
  await context.close();
});

test("every page renders with no console error, and a reload stays signed in", { skip }, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  // Each page with what shows that its data arrived (it polls, so the network is never idle).
  const pages: [name: string, loaded: string][] = [
    ["Overview", "total-requests"],
    ["Usage", "usage-row"],
    ["Limits", "limit-bucket"],
    ["Backends", "backend-row"],
    ["Requests", "request-row"],
    ["Configuration", "config-hash"],
  ];
  for (const [name, loaded] of pages) {
    await page.getByRole("navigation").getByRole("link", { name, exact: true }).click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await page.getByTestId(loaded).first().waitFor();
    assert.equal(
      await page.getByRole("alert").filter({ visible: true }).count(),
      0,
      `${name} shows no error`,
    );
    await screenshot(page, name.toLowerCase());
  }
  await page.reload();
  await page.getByRole("navigation").getByRole("link", { name: "Overview" }).waitFor();
  assert.equal(await page.getByLabel("Admin token").count(), 0, "the reload did not sign out");
  const stored = String(await page.evaluate("JSON.stringify({ ...sessionStorage, ...localStorage })"));
  assert.ok(!stored.includes(ADMIN_TOKEN), "the token is kept in no storage the page can read");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the overview's totals are the usage API's, and a new request shows without a reload", {
  skip,
}, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  const [all] = await usageApi("");
  assert.equal(all!.requests, TOTAL_SENT);
  await page
    .getByTestId("total-requests")
    .filter({ hasText: String(TOTAL_SENT) })
    .waitFor();
  assert.equal(shown(await page.getByTestId("total-input-tokens").textContent()), all!.input_tokens);
  assert.equal(shown(await page.getByTestId("total-output-tokens").textContent()), all!.output_tokens);
  const id = await chat("acme", "gpt-4o");
  const started = Date.now();
  await page
    .getByTestId("total-requests")
    .filter({ hasText: String(TOTAL_SENT + 1) })
    .waitFor({ timeout: 5_000 });
  assert.ok(Date.now() - started < 5_000);
  await page.getByRole("navigation").getByRole("link", { name: "Requests", exact: true }).click();
  await page.locator(`[data-testid="request-row"][data-request-id="${id}"]`).waitFor({ timeout: 5_000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the usage table grouped by tenant.id equals the usage API, and its filter narrows it", {
  skip,
}, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  await page.getByRole("navigation").getByRole("link", { name: "Usage", exact: true }).click();
  await page.getByLabel("Group by").selectOption("tenant.id");
  const rows = page.getByTestId("usage-row");
  await rows.first().waitFor();
  const expected = await usageApi("tenant.id");
  assert.equal(await rows.count(), expected.length);
  for (const row of expected) {
    const shownRow = rows.filter({ hasText: String(row["tenant.id"]) });
    const cells = await shownRow.locator("td").allTextContents();
    const numbers = cells.slice(1).map(shown);
    assert.deepEqual(numbers.slice(0, 4), [
      row.requests,
      row.input_tokens,
      row.output_tokens,
      row.total_tokens,
    ]);
  }
  assert.equal(expected.length, TENANTS.length);
  await page.getByLabel("Filter").fill("glob");
  await rows.filter({ visible: true }).filter({ hasText: "globex" }).waitFor();
  assert.equal(await rows.filter({ visible: true }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the range selector changes the plotted data", { skip }, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  const plot = page.getByTestId("plot-requests");
  const points = async (): Promise<number> => Number(await plot.getAttribute("data-points"));
  const plotted = (): Promise<number[][]> =>
    page.evaluate("window.__aigwConsole.plots.requests.values") as Promise<number[][]>;
  await page.getByRole("button", { name: "Last hour", exact: true }).click();
  await page
    .locator(
      '[data-testid="plot-requests"][data-points="60"], [data-testid="plot-requests"][data-points="61"]',
    )
    .waitFor();
  // Every request of the traffic was sent within the last hour: the hour's plot holds all of them.
  const hourly = await plotted();
  assert.equal(hourly[0]!.reduce((a, b) => a + (b ?? 0), 0) >= TOTAL_SENT, true);
  await page.getByRole("button", { name: "Last 30 days", exact: true }).click();
  await page.waitForFunction(
    "Number(document.querySelector('[data-testid=plot-requests]').dataset.points) >= 720",
  );
  assert.ok((await points()) >= 720);
  const monthly = await plotted();
  assert.notEqual(monthly[0]!.length, hourly[0]!.length);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a narrow dark window: no page scrolls sideways, and the keyboard reaches every page", {
  skip,
}, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 }, colorScheme: "dark" });
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  await page.getByTestId("total-requests").first().waitFor();
  const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
  assert.notEqual(background, "rgb(255, 255, 255)", "dark mode has a dark background");
  await screenshot(page, "overview-narrow-dark");
  // From the top of the page, by keyboard alone: the skip link first, then the navigation.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate("document.activeElement.textContent"), "Skip to content");
  for (const name of ["Overview", "Usage", "Limits", "Backends", "Requests", "Configuration"]) {
    await page.getByRole("link", { name, exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name }).waitFor();
    const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    assert.ok(Number(overflow) <= 0, `${name} scrolls sideways by ${overflow}px`);
  }
  let reached = false;
  await page.getByRole("link", { name: "Skip to content" }).focus();
  for (let i = 0; i < 10 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = (await page.evaluate("document.activeElement.textContent")) === "Usage";
  }
  assert.ok(reached, "Tab reaches the navigation's links");
  assert.deepEqual(problems, []);
  await context.close();
});

import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { request } from "undici";
import { browserSkip, launchChromium, watchedPage } from "../support/browser.js";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  openAIBackendDocs,
  rateLimitPolicyDoc,
  routeDoc,
  tokenCost,
} from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
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
/** Failed requests (the upstream's 500) of globex on gpt-4o, besides the answered ones. */
const FAILED = 2;
const TOTAL_SENT =
  Object.values(SENT).reduce((n, byModel) => n + byModel["gpt-4o"] + byModel["gpt-4o-mini"], 0) + FAILED;
const SCREENSHOTS = process.env.AIGW_CONSOLE_SCREENSHOTS;
/** What every request asks: the console must never show it. */
const PROMPT = "prompt-marker-7f3a";
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
    .chat.completions.create({ model, messages: [{ role: "user", content: PROMPT }] })
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

/** A number as the console shows it ("1,234" → 1234); anything else (a dash, "1.2k") fails. */
function shown(text: string | null): number {
  const digits = (text ?? "").trim();
  assert.match(digits, /^\d{1,3}(,\d{3})*$/, `an exact integer with digit grouping, not "${digits}"`);
  return Number(digits.replace(/,/g, ""));
}

/**
 * Waits until the element shows exactly `text` (numbers are replaced as the page polls). A locator,
 * not a function run in the page: the console's CSP refuses the eval that would take.
 */
async function showsExactly(page: Page, testid: string, text: string, timeout = 5_000): Promise<void> {
  assert.match(text, /^[\d,]+$/, "a number as the console shows it");
  const exactly = new RegExp(`^\\s*${text}\\s*$`);
  await page.getByTestId(testid).filter({ hasText: exactly }).waitFor({ timeout });
}

const grouped = (n: number): string => n.toLocaleString("en-US");

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
  // The fake OpenAI upstream, except that a prompt "fail" is its 500: the errors shown are counted too.
  upstream = await startRecordingUpstream((req, res) => {
    if (!req.body.toString("utf8").includes('"fail"')) return fakeOpenAIHandler(req, res);
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "the model crashed", type: "server_error", code: null } }));
  });
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
  for (let i = 0; i < FAILED; i++) {
    await assert.rejects(
      client("globex").chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "fail" }],
      }),
    );
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

test("the overview's totals, errors, cost and top lists are the usage API's; a new request shows live", {
  skip,
}, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  const [all] = await usageApi("");
  const before = all!.requests as number;
  assert.ok(before >= TOTAL_SENT);
  await showsExactly(page, "total-requests", grouped(before));
  assert.equal(shown(await page.getByTestId("total-input-tokens").textContent()), all!.input_tokens);
  assert.equal(shown(await page.getByTestId("total-output-tokens").textContent()), all!.output_tokens);
  const costs = all!.costs as Record<string, number>;
  assert.equal(
    shown(await page.getByTestId("total-cost-llm_total_token").textContent()),
    costs.llm_total_token,
  );
  const byStatus = (await usageApi("status")) as { status: number; requests: number }[];
  const errors = byStatus
    .filter((r) => r.status < 200 || r.status >= 300)
    .reduce((n, r) => n + r.requests, 0);
  assert.equal(errors, FAILED);
  assert.equal(shown(await page.getByTestId("total-errors").textContent()), errors);
  // The top tables: every model and tenant with the usage API's request count.
  for (const [dimension, key] of [
    ["model", "model"],
    ["tenant.id", "tenant.id"],
  ] as const) {
    const expected = (await usageApi(key)) as Record<string, unknown>[];
    const table = page.getByRole("region", { name: `Top ${dimension}` });
    for (const row of expected) {
      const cells = await table
        .getByRole("row")
        .filter({ hasText: String(row[key]) })
        .locator("td")
        .allTextContents();
      assert.deepEqual(
        [cells[0], shown(cells[1] ?? "")],
        [row[key], row.requests],
        `${dimension} ${row[key]}`,
      );
    }
  }
  // Live: a request answered now is counted on the open page within 5 s, without a reload.
  await chat("acme", "gpt-4o");
  await showsExactly(page, "total-requests", grouped(before + 1));
  // And on the requests page, open before the request is sent.
  await page.getByRole("navigation").getByRole("link", { name: "Requests", exact: true }).click();
  await page.getByTestId("request-row").first().waitFor();
  const id = await chat("initech", "gpt-4o-mini");
  await page.locator(`[data-testid="request-row"][data-request-id="${id}"]`).waitFor({ timeout: 5_000 });
  // Opened in full: its route, rule, the backend tried, its limits and costs.
  await page.getByRole("button", { name: `Open request ${id}` }).click();
  const details = page.getByRole("complementary");
  await details.getByText(id).first().waitFor();
  const text = (await details.textContent()) ?? "";
  for (const shownPart of [
    "default/chat",
    "default/openai-b",
    "tenant-tokens",
    "llm_total_token",
    "initech",
  ]) {
    assert.ok(text.includes(shownPart), `the opened record shows ${shownPart}`);
  }
  assert.ok(!text.includes(PROMPT) && !text.includes("fake upstream"), "no prompt or answer content");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the usage table grouped by tenant.id equals the usage API; filter, sort and CSV export", {
  skip,
}, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  await page.getByRole("navigation").getByRole("link", { name: "Usage", exact: true }).click();
  const groupBy = page.getByLabel("Group by");
  // The select holds only the current choice until the page has read the keys the ledger offers.
  await groupBy.locator('option[value="tenant.id"]').waitFor({ state: "attached" });
  const offered = await groupBy
    .locator("option")
    .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
  for (const key of ["consumer", "model", "backend", "day", "tenant.id"])
    assert.ok(offered.includes(key), key);
  await groupBy.selectOption("tenant.id");
  const rows = page.getByTestId("usage-row");
  await rows.filter({ hasText: "globex" }).waitFor();
  const expected = await usageApi("tenant.id");
  assert.equal(expected.length, TENANTS.length);
  assert.equal(await rows.count(), expected.length);
  for (const row of expected) {
    const cells = await rows
      .filter({ hasText: String(row["tenant.id"]) })
      .locator("td")
      .allTextContents();
    const costs = row.costs as Record<string, number>;
    assert.deepEqual(
      cells.slice(1).map(shown),
      [row.requests, row.input_tokens, row.output_tokens, row.total_tokens, costs.llm_total_token],
      String(row["tenant.id"]),
    );
  }
  // Sorting by a column orders the rows by it (largest first, then reversed).
  const requestsOf = async (): Promise<number[]> =>
    (
      await rows.evaluateAll((trs) =>
        trs.map((tr) => (tr as unknown as { cells: { textContent: string }[] }).cells[1]!.textContent),
      )
    ).map(shown);
  const sortByRequests = page.locator("th").getByRole("button", { name: /^Requests/ });
  await sortByRequests.click();
  const sorted = expected.map((r) => r.requests as number).sort((a, b) => b - a);
  await page.locator("th[aria-sort]").first().waitFor();
  const once = await requestsOf();
  assert.ok(
    JSON.stringify(once) === JSON.stringify(sorted) ||
      JSON.stringify(once) === JSON.stringify([...sorted].reverse()),
    `sorted by requests: ${once}`,
  );
  await sortByRequests.click();
  assert.deepEqual(await requestsOf(), [...once].reverse());
  // The export is the usage API's CSV of the range shown.
  const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  const csvUrl = new URL(href!, consoleUrl);
  const viaConsole = await request(csvUrl, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const range = `from=${csvUrl.searchParams.get("from")}&to=${encodeURIComponent(csvUrl.searchParams.get("to")!)}`;
  const viaApi = await request(
    `${gateway.gateway.adminUrl}/v1/usage?${range}&group_by=tenant.id&format=csv`,
    {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    },
  );
  assert.equal(await viaConsole.body.text(), await viaApi.body.text());
  // The filter hides what does not contain its text.
  await page.getByLabel("Filter").fill("glob");
  await rows.filter({ visible: true }).filter({ hasText: "globex" }).waitFor();
  assert.equal(await rows.filter({ visible: true }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the range selector changes the plotted data, which is the overview's series", { skip }, async () => {
  const context = await freshContext();
  const { page, problems } = await watchedPage(context);
  await signIn(page);
  const plotted = async (): Promise<{ time: number[]; values: (number | null)[][] }> =>
    (await page.evaluate("window.__aigwConsole.plots.requests")) as {
      time: number[];
      values: (number | null)[][];
    };
  const overviewApi = async (range: string) => {
    const { body } = await request(`${gateway.gateway.adminUrl}/console/api/overview?range=${range}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return (await body.json()) as { series: { time: number[]; requests: number[]; errors: number[] } };
  };
  for (const [button, range, buckets] of [
    ["Last hour", "1h", [60, 61]],
    ["Last 30 days", "30d", [720, 721]],
  ] as const) {
    await page.getByRole("button", { name: button, exact: true }).click();
    await page
      .locator(buckets.map((n) => `[data-testid="plot-requests"][data-points="${n}"]`).join(", "))
      .waitFor();
    // The page and this call may straddle a minute's end (the buckets move): compare again then.
    let shownData = await plotted();
    let api = await overviewApi(range);
    for (let i = 0; i < 3 && shownData.time[0] !== api.series.time[0]; i++) {
      await page.waitForTimeout(2_500);
      [shownData, api] = [await plotted(), await overviewApi(range)];
    }
    assert.deepEqual(shownData.time, api.series.time, `${range}: the buckets the API gives`);
    assert.deepEqual(
      shownData.values,
      [api.series.requests, api.series.errors],
      `${range}: the API's counts`,
    );
    assert.ok((shownData.values[0] as number[]).reduce((a, b) => a + b, 0) >= TOTAL_SENT);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a later 401 (the admin token changed, the session ended) returns to the sign-in form", {
  skip,
}, async () => {
  const context = await freshContext();
  const { page } = await watchedPage(context);
  await signIn(page);
  await page.getByTestId("total-requests").waitFor();
  await context.clearCookies();
  await page.getByLabel("Admin token", { exact: true }).waitFor({ timeout: 5_000 });
  assert.equal(await page.getByRole("navigation").count(), 0);
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

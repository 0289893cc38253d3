import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { request } from "undici";
import type { LedgerOptions } from "../../src/usage/open-ledger.js";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The console's overview and usage endpoints over a real ledger, in SQLite and in PostgreSQL: after
 * known traffic (three tenants, two models, some upstream errors) their numbers are the usage API's
 * for the same range and grouping, the CSV export is the usage API's, a range with no traffic is all
 * zeros, and bad parameters are 400s naming them.
 */

const TOKEN = "console-usage-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const TENANTS = ["acme", "globex", "initech"];
const MODELS = ["gpt-4o", "gpt-4o-mini"];

/** The fake OpenAI upstream, except that a prompt "fail" is its 500. */
function startUpstream(): Promise<RecordingUpstream> {
  return startRecordingUpstream((req, res) => {
    if (req.body.toString("utf8").includes('"fail"')) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "the model crashed", type: "server_error", code: null } }));
      return;
    }
    fakeOpenAIHandler(req, res);
  });
}

async function getJson(url: string, headers: Record<string, string> = AUTH) {
  const { statusCode, body } = await request(url, { headers });
  return { status: statusCode, json: (await body.json()) as Record<string, unknown> };
}

async function getText(url: string): Promise<string> {
  const { statusCode, body } = await request(url, { headers: AUTH });
  assert.equal(statusCode, 200, url);
  return body.text();
}

for (const store of ["sqlite", "postgres"] as const) {
  describe(`the console's usage over the ${store} ledger`, () => {
    let upstream: RecordingUpstream;
    let gateway: TestGateway;
    let db: ThrowawayDatabase | undefined;
    let admin: string;
    let sent = 0;
    let failed = 0;

    before(async () => {
      upstream = await startUpstream();
      const dataHome = mkdtempSync(join(tmpdir(), `aigw-console-usage-${store}-`));
      let ledger: LedgerOptions;
      if (store === "postgres") {
        db = await createThrowawayDatabase();
        ledger = { url: db.url, dataHome, settings: { flushIntervalMs: 100 } };
      } else {
        ledger = {
          url: `sqlite:${join(dataHome, "ledger.sqlite")}`,
          dataHome,
          settings: { flushIntervalMs: 100 },
        };
      }
      gateway = await startTestGateway(
        configYaml(
          gatewayDocs(),
          openAIBackendDocs("up", upstream.url),
          routeDoc("chat", {
            rules: MODELS.map((model) => ({ matches: [modelIs(model)], backendRefs: [{ name: "up" }] })),
            llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
          }),
        ),
        {
          adminToken: TOKEN,
          requestHeaderAttributes: [{ header: "x-tenant-id", attribute: "tenant.id" }],
          ledger,
        },
      );
      admin = gateway.gateway.adminUrl;
      for (const [t, tenant] of TENANTS.entries()) {
        const client = new OpenAI({
          apiKey: "unused",
          baseURL: `${gateway.url}/v1`,
          defaultHeaders: { "x-tenant-id": tenant },
          maxRetries: 0,
        });
        for (const [m, model] of MODELS.entries()) {
          // A different number per tenant and model, and one failure for some of them.
          for (let i = 0; i < t + 2 * m + 1; i++) {
            await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
            sent++;
          }
          if ((t + m) % 2 === 0) {
            await assert.rejects(
              client.chat.completions.create({ model, messages: [{ role: "user", content: "fail" }] }),
            );
            sent++;
            failed++;
          }
        }
      }
      await gateway.waitForRecords(sent);
      // The console reads what the ledger has written (it flushes by itself, every 100 ms here).
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { json } = await getJson(`${admin}/console/api/overview?range=1h`);
        if ((json.totals as { requests: number } | undefined)?.requests === sent) break;
        if (Date.now() > deadline) throw new Error(`the overview never showed ${sent} requests`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    after(async () => {
      await gateway?.close();
      await upstream?.close();
      await db?.drop();
    });

    test("the overview's totals, series and top lists are the usage API's", async () => {
      const { status, json } = await getJson(`${admin}/console/api/overview?range=1h`);
      assert.equal(status, 200);
      const overview = json as {
        from: string;
        to: string;
        bucket_seconds: number;
        totals: Record<string, unknown> & { costs: Record<string, number> };
        series: { time: number[]; requests: number[]; errors: number[]; input_tokens: number[] };
        top: Record<string, { value: string | null; requests: number }[]>;
      };
      assert.equal(overview.bucket_seconds, 60);
      const [all] = (
        await getJson(`${admin}/v1/usage?from=${overview.from}&to=${encodeURIComponent(overview.to)}`)
      ).json.rows as Record<string, number>[];
      assert.equal(overview.totals.requests, all!.requests);
      assert.equal(overview.totals.requests, sent);
      assert.equal(overview.totals.errors, failed);
      assert.equal(overview.totals.input_tokens, all!.input_tokens);
      assert.equal(overview.totals.output_tokens, all!.output_tokens);
      assert.equal(overview.totals.total_tokens, all!.total_tokens);
      assert.deepEqual(overview.totals.costs, (all as unknown as { costs: Record<string, number> }).costs);
      assert.ok(overview.series.time.length >= 60 && overview.series.time.length <= 61);
      assert.equal(
        overview.series.requests.reduce((a, b) => a + b, 0),
        sent,
      );
      assert.equal(
        overview.series.errors.reduce((a, b) => a + b, 0),
        failed,
      );
      const byModel = (await getJson(`${admin}/v1/usage?from=${overview.from}&group_by=model`)).json.rows as {
        model: string;
        requests: number;
      }[];
      assert.deepEqual(
        [...overview.top.model!].sort((a, b) => String(a.value).localeCompare(String(b.value))),
        byModel
          .map((r) => ({ value: r.model, requests: r.requests }))
          .sort((a, b) => a.value.localeCompare(b.value)),
      );
      assert.deepEqual(overview.top["tenant.id"]!.map((t) => t.value).sort(), TENANTS);
    });

    test("usage grouped by tenant.id and model is the usage API's, as JSON and as CSV", async () => {
      const query = "range=24h&group_by=tenant.id,model";
      const { status, json } = await getJson(`${admin}/console/api/usage?${query}`);
      assert.equal(status, 200);
      const usage = json as {
        from: string;
        to: string;
        rows: Record<string, unknown>[];
        dimensions: string[];
        series: { time: number[]; groups: { keys: Record<string, string> | null; requests: number[] }[] };
      };
      assert.ok(usage.dimensions.includes("tenant.id") && usage.dimensions.includes("day"));
      const range = `from=${usage.from}&to=${encodeURIComponent(usage.to)}&group_by=tenant.id,model`;
      const expected = (await getJson(`${admin}/v1/usage?${range}`)).json.rows;
      assert.equal(usage.rows.length, TENANTS.length * MODELS.length);
      assert.deepEqual(usage.rows, expected);
      const plotted = usage.series.groups.reduce((n, g) => n + g.requests.reduce((a, b) => a + b, 0), 0);
      assert.equal(plotted, sent);
      assert.equal(
        await getText(`${admin}/console/api/usage?${query}&format=csv`),
        await getText(`${admin}/v1/usage?${range}&format=csv`),
      );
    });

    test("a range without traffic is zeros; bad parameters are 400s naming them; no token is a 401", async () => {
      const empty = await getJson(`${admin}/console/api/overview?from=2020-01-01&to=2020-01-02`);
      assert.equal(empty.status, 200);
      const totals = empty.json.totals as Record<string, unknown>;
      assert.equal(totals.requests, 0);
      assert.equal(totals.input_tokens, 0);
      assert.deepEqual((empty.json.series as { requests: number[] }).requests, new Array(24).fill(0));
      const emptyUsage = await getJson(
        `${admin}/console/api/usage?from=2020-01-01&to=2020-01-02&group_by=model`,
      );
      assert.deepEqual(emptyUsage.json.rows, []);
      for (const [path, param] of [
        ["overview?range=2h", "range"],
        ["overview?range=1h&from=2026-01-01", "range"],
        ["overview?from=yesterday", "from"],
        ["overview?from=2026-02-01&to=2026-01-01", "from"],
        ["overview?colour=red", "colour"],
        ["usage?group_by=tenant", "group_by"],
        ["usage?format=xml", "format"],
        ["usage?range=1h&range=24h", "range"],
      ] as const) {
        const { status, json } = await getJson(`${admin}/console/api/${path}`);
        assert.equal(status, 400, path);
        assert.equal((json.error as { param: string }).param, param, path);
      }
      for (const name of ["overview", "usage"]) {
        assert.equal((await getJson(`${admin}/console/api/${name}`, {})).status, 401, name);
      }
      // Nothing below these names: a path under them is not the endpoint.
      for (const name of ["overview/x", "usage/x", "backends/x", "limits/x", "config/x"]) {
        const { status, json } = await getJson(`${admin}/console/api/${name}`);
        assert.equal(status, 404, name);
        assert.equal((json.error as { type: string }).type, "not_found", name);
      }
    });
  });
}

import * as assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RunningGateway } from "../../src/gateway/gateway-options.js";
import { startGateway } from "../../src/gateway/start-gateway.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { sendRaw } from "../support/send-raw.js";
import { cleanEnv, runAigw, serveAigw } from "../support/spawn-aigw.js";

const TOKEN = "config-console-token";
const auth = { authorization: `Bearer ${TOKEN}` };
/** An object a standalone gateway has no use for: listed, and marked ignored. */
const UNUSED_CONFIGMAP =
  "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, namespace: ops}\ndata: {a: b}\n";
const good = (model: string) =>
  configYaml(
    gatewayDocs(),
    routeDoc("r", { rules: [{ matches: [modelIs(model)], backendRefs: [{ name: "up" }] }] }),
    openAIBackendDocs("up", "http://127.0.0.1:9"),
  ) + UNUSED_CONFIGMAP;
/** Two problems `aigw validate` reports: a reserved rule name and a backend that does not exist. */
const bad = `${good("m")}---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: broken}
spec:
  rules:
    - name: route-not-found
      backendRefs: [{name: up}]
    - backendRefs: [{name: nowhere}]
`;

interface ConfigAnswer {
  hash: string;
  generation: number;
  applied_at: string;
  sources: string[];
  resources: { kind: string; namespace: string | null; name: string; status: string }[];
  ignored: string[];
  warnings: string[];
  last_reload: { time: string; outcome: string; errors: string | null } | null;
}

let dir: string;
let file: string;
let gateway: RunningGateway;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "aigw-console-config-"));
  file = join(dir, "config.yaml");
  await writeFile(file, good("m1"));
  gateway = await startGateway({
    configPaths: [file],
    watch: false,
    port: 0,
    adminPort: 0,
    host: "127.0.0.1",
    accessLog: false,
    log: () => undefined,
    adminToken: TOKEN,
  });
});

after(() => gateway.close());

async function config(): Promise<ConfigAnswer> {
  const res = await sendRaw(`${gateway.adminUrl}/console/api/config`, { headers: auth });
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text) as ConfigAnswer;
}

test("config: the configuration served, its objects and no reload yet", async () => {
  const before = await config();
  assert.match(before.hash, /^sha256:[0-9a-f]{16}$/);
  assert.equal(before.generation, 1);
  assert.ok(Date.parse(before.applied_at) <= Date.now());
  assert.deepEqual(before.sources, [file]);
  assert.equal(before.last_reload, null);
  assert.deepEqual(
    before.resources.map((r) => `${r.kind} ${r.namespace}/${r.name} ${r.status}`),
    [
      "GatewayClass null/aigw-test ignored",
      "Gateway default/aigw-test served",
      "AIGatewayRoute default/r served",
      "Backend default/up served",
      "AIServiceBackend default/up served",
      "ConfigMap ops/notes ignored",
    ],
  );
  assert.deepEqual(before.ignored, [`GatewayClass aigw-test (${file}#1)`, `ConfigMap ops/notes (${file}#6)`]);
  assert.equal(
    (await sendRaw(`${gateway.adminUrl}/console/api/config?x=1`, { headers: auth })).status,
    400,
    "an unknown parameter is refused",
  );
  // Every name of docs/console.md, registered in this gateway or not; a token in the URL is no auth.
  for (const name of ["config", "overview", "usage", "limits", "backends", "requests", "requests/1"]) {
    const res = await sendRaw(`${gateway.adminUrl}/console/api/${name}?token=${TOKEN}`);
    assert.equal(res.status, 401, name);
  }
});

test("config after a good reload: the new hash and generation, the reload applied", async () => {
  const before = await config();
  await writeFile(file, good("m2"));
  assert.deepEqual(await gateway.reload(), { ok: true });
  const after = await config();
  assert.equal(after.generation, before.generation + 1);
  assert.notEqual(after.hash, before.hash);
  assert.ok(after.applied_at >= before.applied_at);
  assert.equal(after.last_reload?.outcome, "applied");
  assert.equal(after.last_reload?.errors, null);
  assert.equal(after.last_reload?.time, after.applied_at);
});

test("config after a bad reload: rejected, with exactly the lines aigw validate prints; the old one still serves", async () => {
  const before = await config();
  await writeFile(file, bad);
  const reload = await gateway.reload();
  assert.equal(reload.ok, false);
  const after = await config();
  assert.equal(after.hash, before.hash, "still serving the last good configuration");
  assert.equal(after.generation, before.generation);
  assert.equal(after.last_reload?.outcome, "rejected");
  assert.ok(after.last_reload!.time >= before.applied_at);
  const errors = after.last_reload!.errors!;
  const validate = await runAigw(["validate", file], cleanEnv());
  assert.equal(validate.code, 1);
  // validate prints the problems, then how many there are.
  const lines = errors.split("\n");
  assert.equal(lines.length, 2, errors);
  assert.equal(validate.stderr, `${errors}\n${lines.length} error(s)\n`);
  assert.match(errors, /route-not-found is reserved/);
  assert.match(errors, /nowhere/);
});

test("aigw run without AIGW_ADMIN_TOKEN (ledger off too) makes a token up, prints it once and the console's URL", async () => {
  const run = await serveAigw(
    ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--ledger", "off", "--no-access-log"],
    cleanEnv(),
  );
  try {
    const token = run.adminToken;
    assert.ok(token && token.length >= 32, run.stderr());
    assert.equal(run.stderr().split(token).length, 2, "printed once");
    assert.ok(run.stderr().includes(`aigw: console at ${run.adminUrl}/console/\n`), run.stderr());
    const redirect = await sendRaw(`${run.adminUrl}/`);
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.location, "/console/");
    const headers = { authorization: `Bearer ${token}` };
    const status = JSON.parse(
      (await sendRaw(`${run.adminUrl}/console/api/config`, { headers })).text,
    ) as ConfigAnswer;
    assert.deepEqual(status.sources, ["<demo>"]);
    const login = await sendRaw(`${run.adminUrl}/console/api/login`, { body: { token } });
    assert.equal(login.status, 204);
  } finally {
    assert.equal(await run.stop(), 0);
  }
});

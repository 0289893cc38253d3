import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startGateway } from "../src/gateway/start-gateway.js";
import { UNPREFIXED_ANNOTATION } from "../src/mcp/mcp-names.js";
import { startEverythingServer } from "./mcp-everything-server.js";

/**
 * Runs the official MCP conformance suite's server scenarios (@modelcontextprotocol/conformance,
 * fetched by npx) against an everything-style upstream (mcp-everything-server.ts) directly, and
 * through aigw (one MCPRoute, that one backend, unprefixed by annotation), and prints each
 * scenario's verdict both ways. Needs the npm registry the first time (npx caches the package).
 *
 *   npx tsc -p . && node dist/bench/mcp-conformance.js [--scenario NAME] [--gateway-only]
 */
const SUITE = "@modelcontextprotocol/conformance@0.1.16";
const NODE20_SHIM = fileURLToPath(new URL("../../bench/node20-fs-glob.mjs", import.meta.url));

interface Verdicts {
  /** scenario -> "pass" or "FAIL (failed check ids)", then "; warnings: ids" when a SHOULD check warned. */
  readonly byScenario: Map<string, string>;
  readonly output: string;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scenario = args.includes("--scenario") ? args[args.indexOf("--scenario") + 1] : undefined;
  const upstream = await startEverythingServer();
  const gateway = await startGateway({
    port: 0,
    adminPort: 0,
    host: "127.0.0.1",
    accessLog: false,
    log: () => {},
    configText: gatewayYaml(upstream.port),
  });
  try {
    const through = await runSuite(`${gateway.url}/mcp`, scenario);
    const direct = args.includes("--gateway-only") ? undefined : await runSuite(upstream.url, scenario);
    printTable(through, direct);
  } finally {
    await gateway.close();
    upstream.server.closeAllConnections();
    upstream.server.close();
  }
}

function gatewayYaml(port: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: aigw }
spec: { controllerName: gateway.envoyproxy.io/gatewayclass-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: aigw, namespace: default }
spec: { gatewayClassName: aigw, listeners: [{ name: http, protocol: HTTP, port: 1975 }] }
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: { name: everything, namespace: default }
spec: { endpoints: [{ ip: { address: 127.0.0.1, port: ${port} } }] }
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: conformance
  namespace: default
  annotations: { "${UNPREFIXED_ANNOTATION}": "true" }
spec:
  parentRefs: [{ name: aigw }]
  backendRefs: [{ name: everything, group: gateway.envoyproxy.io, kind: Backend }]
`;
}

/** One run of the suite's server scenarios against `url`, in a scratch directory for its results. */
async function runSuite(url: string, scenario: string | undefined): Promise<Verdicts> {
  const dir = mkdtempSync(join(tmpdir(), "aigw-mcp-conformance-"));
  const suiteArgs = [
    "-y",
    SUITE,
    "server",
    "--url",
    url,
    "--output-dir",
    join(dir, "results"),
    "--suite",
    "all",
    ...(scenario ? ["--scenario", scenario] : []),
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("npx", suiteArgs, {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: `--import ${NODE20_SHIM}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("close", () => resolve(text));
  });
  const byScenario = new Map<string, string>();
  for (const checks of findFiles(dir, "checks.json")) {
    // Results land in <dir>/results/server-<scenario>-<timestamp>/checks.json.
    const name = checks
      .split("/")
      .at(-2)!
      .replace(/^server-/, "")
      .replace(/-\d{4}-\d\d-\d\dT.*$/, "");
    const list = JSON.parse(readFileSync(checks, "utf8")) as { id: string; status: string }[];
    const ids = (status: string) => [...new Set(list.filter((c) => c.status === status).map((c) => c.id))];
    const failed = ids("FAILURE");
    const warned = ids("WARNING");
    const verdict = failed.length === 0 ? "pass" : `FAIL (${failed.join(", ")})`;
    byScenario.set(name, warned.length === 0 ? verdict : `${verdict}; warnings: ${warned.join(", ")}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { byScenario, output };
}

function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name === name)
    .map((e) => join(e.parentPath, e.name));
}

function printTable(through: Verdicts, direct: Verdicts | undefined): void {
  if (through.byScenario.size === 0) {
    console.log(through.output);
    throw new Error("the suite produced no results (see its output above)");
  }
  const names = [...through.byScenario.keys()].sort();
  console.log(direct ? "| Scenario | Through aigw | Upstream directly |" : "| Scenario | Through aigw |");
  console.log(direct ? "| --- | --- | --- |" : "| --- | --- |");
  for (const name of names) {
    const cells = [
      name,
      through.byScenario.get(name)!,
      ...(direct ? [direct.byScenario.get(name) ?? "-"] : []),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
  const passes = (v: string | undefined) => v?.startsWith("pass") === true;
  const passed = names.filter((n) => passes(through.byScenario.get(n))).length;
  const directPassed = direct ? [...direct.byScenario.values()].filter(passes).length : undefined;
  console.log(
    `\nThrough aigw: ${passed} of ${names.length} scenarios pass` +
      (directPassed === undefined
        ? ""
        : `; upstream directly: ${directPassed} of ${direct!.byScenario.size}`),
  );
}

await main();

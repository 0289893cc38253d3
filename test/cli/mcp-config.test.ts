import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { cleanEnv, runAigw, serveAigw } from "../support/spawn-aigw.js";
import { waitFor } from "../support/wait-for.js";

const SERVER = fileURLToPath(new URL("../support/stdio-mcp-server.js", import.meta.url));
const EPHEMERAL = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--ledger", "off"];

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "aigw-mcp-cli-"));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("aigw run --mcp-config alone: the Gateway with the MCP route, the stdio server started and bridged, and killed on SIGTERM", async () => {
  const pidFile = join(dir, "pids");
  const file = join(dir, "servers.json");
  await writeFile(
    file,
    JSON.stringify({
      mcpServers: {
        files: {
          command: process.execPath,
          args: [SERVER, "--serve"],
          env: { STDIO_TEST_PID_FILE: pidFile },
        },
        remote: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer not-printed" } },
      },
    }),
  );
  const aigw = await serveAigw(["--mcp-config", file, ...EPHEMERAL], cleanEnv());
  try {
    assert.match(
      aigw.stderr(),
      /serving MCP servers only; MCP servers at \/mcp: files \(stdio\), remote \(http\)/,
    );
    assert.doesNotMatch(aigw.stderr(), /not-printed/);
    // The child's stderr, line by line in the gateway's log with its name.
    await waitFor("the stdio server's stderr", () =>
      aigw.stderr().includes("[mcp files] stdio test server ready"),
    );
    const bridged = /mcp files: .* bridged to (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(aigw.stderr());
    assert.ok(bridged, aigw.stderr());
    // The Backend the MCPRoute points at is the bridge: a real MCP client gets the stdio tools there.
    const client = new Client({ name: "cli-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(bridged[1]!)));
    assert.ok((await client.listTools()).tools.some((t) => t.name === "echo"));
    await client.close();
    // No demo simulator and no model route: only the Gateway serves.
    assert.doesNotMatch(aigw.stderr(), /demo mode/);
  } finally {
    assert.equal(await aigw.stop(), 0);
  }
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  assert.equal(isAlive(pid), false, "the stdio server was stopped with the gateway");
});

test("aigw run FILE --mcp-json: the MCP route joins the YAML's configuration and attaches to its Gateway", async () => {
  const yaml = join(dir, "config.yaml");
  await writeFile(
    yaml,
    configYaml(
      gatewayDocs(),
      routeDoc("r", { rules: [{ matches: [modelIs("m")], backendRefs: [{ name: "up" }] }] }),
      openAIBackendDocs("up", "http://127.0.0.1:9"),
    ),
  );
  const json = JSON.stringify({ mcpServers: { remote: { url: "http://127.0.0.1:9/mcp" } } });
  const aigw = await serveAigw([yaml, "--mcp-json", json, ...EPHEMERAL], cleanEnv());
  try {
    assert.match(aigw.stderr(), /MCP servers at \/mcp: remote \(http\)/);
  } finally {
    assert.equal(await aigw.stop(), 0);
  }
});

test("aigw run --mcp-config errors: a missing file, a bad file, both flags, a command that does not exist", async () => {
  const missing = await runAigw(["run", "--mcp-config", join(dir, "nope.json"), ...EPHEMERAL], cleanEnv());
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--mcp-config: cannot read .*nope\.json: ENOENT/);

  const badJson = await runAigw(["run", "--mcp-json", "{mcpServers", ...EPHEMERAL], cleanEnv());
  assert.equal(badJson.code, 1);
  assert.match(badJson.stderr, /invalid MCP servers file:\n--mcp-json: \(file\): not JSON/);

  const badName = join(dir, "bad-name.json");
  await writeFile(badName, JSON.stringify({ mcpServers: { my_server: { url: "http://h/mcp" } } }));
  const refused = await runAigw(["run", "--mcp-config", badName, ...EPHEMERAL], cleanEnv());
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /bad-name\.json: mcpServers\.my_server: "my_server" cannot name a backend/);

  const both = await runAigw(["run", "--mcp-config", badName, "--mcp-json", "{}", ...EPHEMERAL], cleanEnv());
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--mcp-config and --mcp-json are mutually exclusive/);

  // A server named like a Backend of the YAML would replace it: refused.
  const yaml = join(dir, "clash.yaml");
  await writeFile(
    yaml,
    configYaml(
      gatewayDocs(),
      routeDoc("r", { rules: [{ matches: [modelIs("m")], backendRefs: [{ name: "up" }] }] }),
      openAIBackendDocs("up", "http://127.0.0.1:9"),
    ),
  );
  const clash = JSON.stringify({ mcpServers: { up: { url: "http://127.0.0.1:9/mcp" } } });
  const clashed = await runAigw(["run", yaml, "--mcp-json", clash, ...EPHEMERAL], cleanEnv());
  assert.equal(clashed.code, 1);
  assert.match(
    clashed.stderr,
    /--mcp-json \(mcpServers\.up\): Backend default\/up is also defined in .*clash\.yaml#\d/,
  );

  const ghost = JSON.stringify({ mcpServers: { ghost: { command: join(dir, "no-such-server") } } });
  const noCommand = await runAigw(["run", "--mcp-json", ghost, ...EPHEMERAL], cleanEnv());
  assert.equal(noCommand.code, 1);
  assert.match(noCommand.stderr, /mcpServers\.ghost: cannot start .*no-such-server: .*ENOENT/);
});

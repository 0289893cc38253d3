import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { cleanEnv, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";

const ARGS = [
  "--port",
  "0",
  "--admin-port",
  "0",
  "--host",
  "127.0.0.1",
  "--no-access-log",
  "--ledger",
  "off",
];
const SEED_WARNING = /MCP sessions are sealed with the default seed/;

describe("aigw run: two processes with one seed serve one MCP session", () => {
  let a: McpUpstream;
  let b: McpUpstream;
  let byFlag: ServingAigw;
  let byEnv: ServingAigw;
  let unseeded: ServingAigw;

  before(async () => {
    [a, b] = await Promise.all([startMcpUpstream("a"), startMcpUpstream("b")]);
    const file = join(mkdtempSync(join(tmpdir(), "aigw-mcp-")), "mcp.yaml");
    writeFileSync(
      file,
      mcpConfigYaml({ a: a.port, b: b.port }, mcpRouteDoc("tools", [{ name: "a" }, { name: "b" }])),
    );
    [byFlag, byEnv, unseeded] = await Promise.all([
      serveAigw([file, ...ARGS, "--mcp-session-encryption-seed", "s3cret"], cleanEnv()),
      serveAigw([file, ...ARGS], cleanEnv({ AIGW_MCP_SESSION_ENCRYPTION_SEED: "s3cret" })),
      serveAigw([file, ...ARGS], cleanEnv()),
    ]);
  });

  after(async () => {
    await Promise.all([byFlag?.stop(), byEnv?.stop(), unseeded?.stop()]);
    await Promise.all([a?.close(), b?.close()]);
  });

  it("opens on one process a session the other minted, and not on a process with another seed", async () => {
    const { client, transport } = await connectMcpClient(`${byFlag.url}/mcp`);
    assert.equal(firstText(await client.callTool({ name: "a__echo", arguments: { text: "one" } })), "a:one");
    const headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": transport.sessionId!,
      "mcp-protocol-version": "2025-11-25",
    };
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 99,
      method: "tools/call",
      params: { name: "b__echo", arguments: { text: "two" } },
    });
    const other = await fetch(`${byEnv.url}/mcp`, { method: "POST", headers, body });
    assert.equal(other.status, 200);
    assert.match(await other.text(), /"b:two"/);
    const stranger = await fetch(`${unseeded.url}/mcp`, { method: "POST", headers, body });
    assert.equal(stranger.status, 404);
    await client.close();
  });

  it("warns only the process left with the default seed", () => {
    assert.match(unseeded.stderr(), SEED_WARNING);
    assert.doesNotMatch(byFlag.stderr(), SEED_WARNING);
    assert.doesNotMatch(byEnv.stderr(), SEED_WARNING);
  });
});

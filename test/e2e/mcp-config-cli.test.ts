import * as assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CreateMessageRequestSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { cleanEnv, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";
import { waitFor } from "../support/wait-for.js";

/**
 * The real CLI, `aigw run --mcp-config file.json`, with a stdio server (started and bridged by
 * aigw) and a Streamable HTTP one (an official-SDK server with an API key): the official SDK
 * client on the gateway's /mcp sees and calls both, a stdio server's sampling request and
 * list_changed reach it through the gateway, the access log names the backend, and SIGTERM takes
 * the stdio child down with the gateway.
 */

const STDIO_SERVER = fileURLToPath(new URL("../support/stdio-mcp-server.js", import.meta.url));
const ARGS = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--ledger", "off"];
const REMOTE_KEY = "remote-key-from-the-file";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("aigw run --mcp-config: a stdio and an http MCP server behind the gateway's /mcp", () => {
  let dir: string;
  let pidFile: string;
  let remote: McpUpstream;
  let aigw: ServingAigw;
  let client: Client;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aigw-mcp-e2e-"));
    pidFile = join(dir, "pids");
    remote = await startMcpUpstream("remote");
    const file = join(dir, "mcp.json");
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: {
          local: {
            command: process.execPath,
            args: [STDIO_SERVER, "--serve"],
            env: { STDIO_TEST_PID_FILE: pidFile, STDIO_TEST_GREETING: "from the file" },
          },
          remote: {
            type: "http",
            url: `http://127.0.0.1:${remote.port}/mcp`,
            headers: { Authorization: `Bearer ${REMOTE_KEY}` },
            includeTools: ["echo", "whoami"],
          },
        },
      }),
    );
    aigw = await serveAigw(["--mcp-config", file, ...ARGS], cleanEnv());
    ({ client } = await connectMcpClient(`${aigw.url}/mcp`, { authorization: "Bearer client-secret" }));
    client.setRequestHandler(CreateMessageRequestSchema, () => ({
      role: "assistant",
      model: "test",
      content: { type: "text", text: "hi from the client's model" },
    }));
  });

  after(async () => {
    await client?.close();
    if (aigw?.child.exitCode === null) await aigw.stop();
    await remote?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists the stdio server's tools and the http server's included ones, each under its server's name", async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith("remote__")),
      ["remote__echo", "remote__whoami"],
    );
    for (const tool of ["echo", "env", "pid", "sample", "add_tool"]) {
      assert.ok(names.includes(`local__${tool}`), `local__${tool} in ${names.join(", ")}`);
    }
    assert.equal(names.length, names.filter((n) => /^(local|remote)__/.test(n)).length);
  });

  it("calls the stdio server's tool and the http server's, the latter with the file's key and not the client's", async () => {
    assert.equal(firstText(await client.callTool({ name: "local__echo", arguments: { text: "hi" } })), "hi");
    assert.equal(
      firstText(await client.callTool({ name: "local__env", arguments: { name: "STDIO_TEST_GREETING" } })),
      "from the file",
    );
    assert.equal(
      firstText(await client.callTool({ name: "remote__echo", arguments: { text: "yo" } })),
      "remote:yo",
    );
    assert.ok(remote.requests.length > 0);
    for (const r of remote.requests) assert.equal(r.headers.authorization, `Bearer ${REMOTE_KEY}`);
    // Not included by the file: unknown, and never sent.
    const calls = remote.calls.length;
    await assert.rejects(client.callTool({ name: "remote__count" }), (err: Error & { code?: number }) => {
      return err.code === -32602;
    });
    assert.equal(remote.calls.length, calls);
  });

  it("brings the stdio server's sampling request to the client and the answer back", async () => {
    const result = await client.callTool({ name: "local__sample" });
    assert.equal(firstText(result), "hi from the client's model");
  });

  it("delivers the stdio server's list_changed on the client's GET stream", async () => {
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    // The bridge sends list_changed to the GET streams open when it comes. The gateway opens its
    // GET to every backend at once when the client's arrives; the http one's shows it has, and the
    // calls of the tests before have given the bridge's time to arrive.
    await remote.waitForGet();
    await client.callTool({ name: "local__add_tool" });
    await waitFor("list_changed at the client", () => changed > 0);
    assert.ok((await client.listTools()).tools.some((t) => t.name === "local__added"));
  });

  it("writes an access-log line per MCP request, naming the backend of a call and no credential", async () => {
    await waitFor("the call's line", () => aigw.stdout().includes('"mcp_tool_name":"local__echo"'));
    const lines = aigw
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"mcp_method"'));
    const call = lines.map((l) => JSON.parse(l)).find((l) => l.mcp_tool_name === "local__echo");
    assert.equal(call.mcp_backend, "local");
    assert.equal(call["ai_gateway.route"], "default/mcp-route");
    for (const line of lines) {
      assert.ok(!line.includes("client-secret") && !line.includes(REMOTE_KEY), line);
    }
  });

  it("stops the stdio child when the gateway is stopped with SIGTERM", async () => {
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    assert.equal(isAlive(pid), true);
    // The client's GET stream is still open: the drain ends it at once rather than waiting out its
    // deadline for a stream that never ends by itself (the client resumes elsewhere).
    assert.equal(await aigw.stop(), 0);
    assert.match(aigw.stderr(), /aigw: drained, exiting/);
    assert.doesNotMatch(aigw.stderr(), /drain deadline/);
    assert.match(aigw.stdout(), /"method":"GET","response_code":200/);
    // The gateway waits for the child before it exits; a reaped child has no pid any more.
    await waitFor("the stdio child gone", () => !isAlive(pid));
  });
});

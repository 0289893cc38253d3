import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { StdioBridge } from "../../src/mcp/stdio-bridge.js";
import { waitFor } from "../support/wait-for.js";

const SERVER = fileURLToPath(new URL("../support/stdio-mcp-server.js", import.meta.url));

let dir: string;
let pidFile: string;
let bridge: StdioBridge;
const logLines: string[] = [];
const clients: Client[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "aigw-stdio-"));
  pidFile = join(dir, "pids");
  // Inherited by the child: the file's env is merged over the gateway's environment.
  process.env.STDIO_TEST_INHERITED = "from the gateway";
  bridge = await StdioBridge.start({
    name: "local",
    command: process.execPath,
    args: [SERVER, "--serve"],
    env: { STDIO_TEST_GREETING: "hello from the file", STDIO_TEST_PID_FILE: pidFile },
    log: (line) => logLines.push(line),
    restartMs: 20,
  });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await bridge.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Every client declares sampling: the child is initialised once, with the first session's
 * initialize, and its SDK sends sampling requests only to a client that declared it.
 */
async function connect(): Promise<Client> {
  const client = new Client({ name: "bridge-test", version: "1.0.0" }, { capabilities: { sampling: {} } });
  await client.connect(new StreamableHTTPClientTransport(new URL(bridge.url)));
  clients.push(client);
  return client;
}

function textOf(result: unknown): string {
  const content = (result as { content: { type: string; text: string }[] }).content;
  return content.map((c) => c.text).join("");
}

async function pids(): Promise<string[]> {
  return (await readFile(pidFile, "utf8")).trim().split("\n");
}

test("the SDK client lists and calls the stdio server's tools through the bridge's Streamable HTTP endpoint", async () => {
  const client = await connect();
  assert.deepEqual(client.getServerVersion(), { name: "stdio-test-server", version: "1.0.0" });
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [
    "add_tool",
    "client",
    "crash",
    "echo",
    "env",
    "pid",
    "progress",
    "sample",
  ]);
  assert.equal(textOf(await client.callTool({ name: "echo", arguments: { text: "über 🚀" } })), "über 🚀");
  // The server's env: the file's variables over the gateway's own.
  assert.equal(
    textOf(await client.callTool({ name: "env", arguments: { name: "STDIO_TEST_GREETING" } })),
    "hello from the file",
  );
  assert.equal(
    textOf(await client.callTool({ name: "env", arguments: { name: "STDIO_TEST_INHERITED" } })),
    "from the gateway",
  );
  assert.ok(logLines.includes("[mcp local] stdio test server ready"), logLines.join("\n"));
});

test("progress and logging notifications sent during a call reach the caller on the call's SSE answer", async () => {
  const client = await connect();
  const logged: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logged.push(n.params.data);
  });
  const progress: unknown[] = [];
  const result = await client.callTool({ name: "progress", arguments: {} }, undefined, {
    onprogress: (p) => progress.push(p),
  });
  assert.equal(textOf(result), "done");
  assert.deepEqual(progress, [{ progress: 1, total: 2, message: "half way" }]);
  assert.deepEqual(logged, ["working on it"]);
});

test("a sampling request of the child reaches the caller on its call's stream, and the answer goes back", async () => {
  const client = await connect();
  const asked: unknown[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    asked.push(request.params.messages);
    return { model: "test-model", role: "assistant", content: { type: "text", text: "hi from the client" } };
  });
  assert.equal(textOf(await client.callTool({ name: "sample", arguments: {} })), "hi from the client");
  assert.deepEqual(asked, [[{ role: "user", content: { type: "text", text: "say hi" } }]]);
});

test("several sessions share the one child: their own request ids, concurrent calls, each answered right", async () => {
  const [a, b] = [await connect(), await connect()];
  const calls = Array.from({ length: 10 }, (_, i) =>
    (i % 2 === 0 ? a : b).callTool({ name: "echo", arguments: { text: `call ${i}` } }),
  );
  const answers = (await Promise.all(calls)).map(textOf);
  assert.deepEqual(
    answers,
    Array.from({ length: 10 }, (_, i) => `call ${i}`),
  );
  const [pidA, pidB] = [
    textOf(await a.callTool({ name: "pid", arguments: {} })),
    textOf(await b.callTool({ name: "pid", arguments: {} })),
  ];
  assert.equal(pidA, pidB);
  assert.equal(pidA, String(bridge.childPid));
});

test("concurrent calls of two sessions with the same progress token each get their own progress", async () => {
  const [a, b] = [await connect(), await connect()];
  const progressA: unknown[] = [];
  const progressB: unknown[] = [];
  // The SDK uses the request id as the token: both sessions' first call after initialize is id 1;
  // b's call reports first, while a's (sent first) is still running in the child.
  const [ra, rb] = await Promise.all([
    a.callTool({ name: "progress", arguments: { waitMs: 300 } }, undefined, {
      onprogress: (p) => progressA.push(p),
    }),
    b.callTool({ name: "progress", arguments: { waitMs: 50 } }, undefined, {
      onprogress: (p) => progressB.push(p),
    }),
  ]);
  assert.equal(textOf(ra), "done");
  assert.equal(textOf(rb), "done");
  assert.deepEqual(progressA, [{ progress: 1, total: 2, message: "half way" }]);
  assert.deepEqual(progressB, [{ progress: 1, total: 2, message: "half way" }]);
});

test("a list_changed notification of the child reaches every session's GET stream", async () => {
  const streamsBefore = bridge.openStreams;
  const [a, b] = [await connect(), await connect()];
  let changedA = 0;
  let changedB = 0;
  a.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changedA += 1;
  });
  b.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changedB += 1;
  });
  // The SDK client opens its GET stream once initialized; the notification must find both.
  await waitFor("the GET streams", () => bridge.openStreams === streamsBefore + 2);
  assert.equal(textOf(await a.callTool({ name: "add_tool", arguments: {} })), "added");
  await waitFor("both notifications", () => changedA === 1 && changedB === 1);
  assert.ok((await b.listTools()).tools.some((t) => t.name === "added"));
});

test("a crashed child is restarted (with the initialize replayed) and the same session goes on", async () => {
  const client = await connect();
  const before = textOf(await client.callTool({ name: "pid", arguments: {} }));
  await assert.rejects(client.callTool({ name: "crash", arguments: {} }), /stdio MCP server local exited/);
  await waitFor("a restart", () => bridge.childPid !== undefined && String(bridge.childPid) !== before);
  const afterCrash = textOf(await client.callTool({ name: "pid", arguments: {} }));
  assert.notEqual(afterCrash, before);
  assert.equal(afterCrash, String(bridge.childPid));
  assert.equal((await pids()).at(-1), afterCrash);
  // The new process was initialised by the bridge, with the first session's initialize.
  assert.equal(textOf(await client.callTool({ name: "client", arguments: {} })), "bridge-test");
  assert.ok(
    logLines.some((l) => /mcp local: .* exited \(code 3\)/.test(l)),
    logLines.join("\n"),
  );
});

test("the endpoint refuses what is not the gateway's MCP traffic, with the transport's statuses", async () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(bridge.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body,
    });
  const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  assert.equal((await post(ping)).status, 400, "no session id");
  assert.equal((await post(ping, { "mcp-session-id": "nope" })).status, 404, "unknown session");
  assert.equal((await post(ping, { origin: "https://evil.example" })).status, 403, "a browser page");
  const garbage = await post("{not json");
  assert.equal(garbage.status, 400);
  assert.equal(((await garbage.json()) as { error: { code: number } }).error.code, -32700);
  assert.equal(
    (await post(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ping" }]))).status,
    400,
    "a batch",
  );
  assert.equal((await fetch(bridge.url.replace("/mcp", "/other"))).status, 404);

  const init = await post(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  );
  assert.equal(init.status, 200);
  const session = init.headers.get("mcp-session-id");
  assert.ok(session);
  assert.equal(((await init.json()) as { id: number }).id, 7, "the caller's id comes back");
  const pong = await post(ping, { "mcp-session-id": session });
  assert.deepEqual(await pong.json(), { jsonrpc: "2.0", id: 1, result: {} });
  const gone = await fetch(bridge.url, { method: "DELETE", headers: { "mcp-session-id": session } });
  assert.equal(gone.status, 200);
  assert.equal((await post(ping, { "mcp-session-id": session })).status, 404, "a deleted session");
});

test("a command that cannot be started is a clear error, and closing kills the child", async () => {
  await assert.rejects(
    StdioBridge.start({
      name: "ghost",
      command: join(dir, "no-such-server"),
      args: [],
      env: {},
      log: () => undefined,
    }),
    /mcpServers\.ghost: cannot start .*no-such-server: .*ENOENT/,
  );
  const own = await StdioBridge.start({
    name: "short",
    command: process.execPath,
    args: [SERVER, "--serve"],
    env: {},
    log: () => undefined,
  });
  const pid = own.childPid;
  assert.ok(pid);
  process.kill(pid, 0); // alive
  await own.close();
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

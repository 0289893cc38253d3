/**
 * A stdio MCP server made with the official v1 SDK, run with node by the stdio bridge's tests (and
 * through `aigw run --mcp-config`). Tools: `echo`, `env` (a variable of its environment), `pid`,
 * `client` (the name in the initialize it was sent), `sample` (a sampling request to the client),
 * `progress` (a progress and a logging notification before its answer), `add_tool` (a new tool:
 * the SDK sends notifications/tools/list_changed), `crash` (exits without answering). When
 * STDIO_TEST_PID_FILE is set it writes its pid there, one line per start. Serves only when given
 * `--serve` (see the end of the file).
 */
import { appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer(
  { name: "stdio-test-server", version: "1.0.0" },
  { capabilities: { logging: {}, tools: { listChanged: true } } },
);
const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

server.registerTool(
  "echo",
  { description: "Echoes text", inputSchema: { text: z.string() } },
  ({ text: t }) => text(t),
);
server.registerTool(
  "env",
  { description: "A variable of the environment", inputSchema: { name: z.string() } },
  ({ name }) => text(process.env[name] ?? ""),
);
server.registerTool("pid", { description: "The process id" }, () => text(String(process.pid)));
// Who initialised this process: after a restart, the bridge's replay of the first initialize.
server.registerTool("client", { description: "The client that initialised the server" }, () =>
  text(server.server.getClientVersion()?.name ?? "not initialised"),
);
server.registerTool(
  "progress",
  {
    description: "Waits waitMs, reports progress, logs, then answers",
    inputSchema: { waitMs: z.number().optional() },
  },
  async ({ waitMs }, extra) => {
    if (waitMs) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      await extra.sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress: 1, total: 2, message: "half way" },
      });
    }
    await server.sendLoggingMessage({ level: "info", data: "working on it" });
    return text("done");
  },
);
server.registerTool("add_tool", { description: "Adds the tool `added`" }, () => {
  server.registerTool("added", { description: "Added at run time" }, () => text("I was added"));
  return text("added");
});
server.registerTool(
  "sample",
  { description: "Asks the client's model (sampling) and answers its text" },
  async () => {
    const result = await server.server.createMessage({
      messages: [{ role: "user", content: { type: "text", text: "say hi" } }],
      maxTokens: 10,
    });
    return text(result.content.type === "text" ? result.content.text : "(not text)");
  },
);
server.registerTool("crash", { description: "Exits without answering" }, () => {
  process.exit(3);
});

// `npm test` runs every file under dist/test/, this one too: without --serve it is a no-op there,
// instead of a server waiting on the runner's stdin until the test timeout cancels it.
if (process.argv.includes("--serve")) {
  if (process.env.STDIO_TEST_PID_FILE) appendFileSync(process.env.STDIO_TEST_PID_FILE, `${process.pid}\n`);
  process.stderr.write("stdio test server ready\n");
  await server.connect(new StdioServerTransport());
}

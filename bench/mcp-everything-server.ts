import { randomUUID } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  type EventStore,
  StreamableHTTPServerTransport,
} from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CompleteRequestSchema,
  CreateMessageResultSchema,
  type ElicitRequestFormParams,
  ElicitResultSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** A 1x1 PNG and a minimal WAV, for the image and audio content the suite checks. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The surface the official conformance suite's server scenarios expect (the names its reference
 * "everything" server offers: research/mcp.md 7.1), built with the v1 SDK's McpServer, one per
 * session, stateful and resumable. Only what the scenarios call is implemented.
 */
function buildServer(
  transportOf: (sessionId: string | undefined) => StreamableHTTPServerTransport | undefined,
): McpServer {
  const server = new McpServer(
    { name: "aigw-conformance-everything", version: "1.0.0" },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );
  const log = (data: string) =>
    server.server.sendLoggingMessage({ level: "info", data }).catch(() => undefined);

  server.registerTool("test_simple_text", { description: "Simple text" }, () =>
    text("This is a simple text response for testing."),
  );
  server.registerTool("test_image_content", { description: "Image content" }, () => ({
    content: [{ type: "image" as const, data: PNG, mimeType: "image/png" }],
  }));
  server.registerTool("test_audio_content", { description: "Audio content" }, () => ({
    content: [{ type: "audio" as const, data: WAV, mimeType: "audio/wav" }],
  }));
  server.registerTool("test_embedded_resource", { description: "Embedded resource" }, () => ({
    content: [
      {
        type: "resource" as const,
        resource: {
          uri: "test://embedded-resource",
          mimeType: "text/plain",
          text: "This is an embedded resource content.",
        },
      },
    ],
  }));
  server.registerTool("test_multiple_content_types", { description: "Text, image and resource" }, () => ({
    content: [
      { type: "text" as const, text: "Multiple content types test:" },
      { type: "image" as const, data: PNG, mimeType: "image/png" },
      {
        type: "resource" as const,
        resource: {
          uri: "test://mixed-content-resource",
          mimeType: "application/json",
          text: '{"test":"data"}',
        },
      },
    ],
  }));
  server.registerTool(
    "test_tool_with_logging",
    { description: "Logs while it runs", inputSchema: {} },
    async (_args, extra) => {
      for (const data of ["Tool execution started", "Tool processing data", "Tool execution completed"]) {
        await extra.sendNotification({ method: "notifications/message", params: { level: "info", data } });
        await sleep(20);
      }
      return text("Tool with logging executed successfully");
    },
  );
  server.registerTool(
    "test_tool_with_progress",
    { description: "Reports progress", inputSchema: {} },
    async (_args, extra) => {
      const progressToken = extra._meta?.progressToken ?? 0;
      for (const progress of [0, 50, 100]) {
        await extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
        await sleep(20);
      }
      return text(String(progressToken));
    },
  );
  server.registerTool("test_error_handling", { description: "Always fails" }, () => {
    throw new Error("This tool intentionally returns an error for testing");
  });
  server.registerTool(
    "test_sampling",
    { description: "Asks the client's model", inputSchema: { prompt: z.string() } },
    async ({ prompt }, extra) => {
      const sampled = await extra.sendRequest(
        {
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 100 },
        },
        CreateMessageResultSchema,
      );
      const content = sampled.content as { text?: string };
      return text(`LLM response: ${content.text ?? "No response"}`);
    },
  );
  const elicit =
    (message: string, requestedSchema: ElicitRequestFormParams["requestedSchema"]) =>
    async (_args: unknown, extra: Extra) => {
      const answer = await extra.sendRequest(
        { method: "elicitation/create", params: { mode: "form", message, requestedSchema } },
        ElicitResultSchema,
      );
      return text(`User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
    };
  server.registerTool(
    "test_elicitation",
    { description: "Asks the user", inputSchema: { message: z.string() } },
    async ({ message }, extra) =>
      elicit(message, {
        type: "object",
        properties: { response: { type: "string", description: "User's response" } },
        required: ["response"],
      })(undefined, extra),
  );
  server.registerTool(
    "test_elicitation_sep1034_defaults",
    { description: "Elicitation with defaults", inputSchema: {} },
    elicit("Please review and update the form fields with defaults", {
      type: "object",
      properties: {
        name: { type: "string", description: "User name", default: "John Doe" },
        age: { type: "integer", description: "User age", default: 30 },
        score: { type: "number", description: "User score", default: 95.5 },
        status: { type: "string", enum: ["active", "inactive", "pending"], default: "active" },
        verified: { type: "boolean", description: "Verification status", default: true },
      },
      required: [],
    }),
  );
  server.registerTool(
    "test_elicitation_sep1330_enums",
    { description: "Elicitation with every enum form", inputSchema: {} },
    elicit("Please select options from the enum fields", {
      type: "object",
      properties: {
        untitledSingle: { type: "string", enum: ["option1", "option2", "option3"] },
        titledSingle: {
          type: "string",
          oneOf: [
            { const: "value1", title: "First Option" },
            { const: "value2", title: "Second Option" },
          ],
        },
        legacyEnum: { type: "string", enum: ["opt1", "opt2"], enumNames: ["Option One", "Option Two"] },
        untitledMulti: { type: "array", items: { type: "string", enum: ["option1", "option2"] } },
        titledMulti: {
          type: "array",
          items: {
            anyOf: [
              { const: "value1", title: "First Choice" },
              { const: "value2", title: "Second Choice" },
            ],
          },
        },
      },
      required: [],
    }),
  );
  server.registerTool(
    "json_schema_2020_12_tool",
    {
      description: "JSON Schema 2020-12 input",
      inputSchema: {
        name: z.string().optional(),
        address: z.object({ street: z.string().optional() }).optional(),
      },
    },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );

  // SEP-1699 polling: the call's stream is closed before the answer, which the client gets by
  // reconnecting (GET with Last-Event-ID).
  server.registerTool(
    "test_reconnection",
    { description: "Closes its stream mid-call", inputSchema: {} },
    async (_args, extra) => {
      transportOf(extra.sessionId)?.closeSSEStream(extra.requestId);
      await sleep(100);
      return text("Reconnection test completed successfully.");
    },
  );
  rawInputSchema(server, "json_schema_2020_12_tool", {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    $defs: {
      address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } },
    },
    properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
    additionalProperties: false,
  });

  server.registerResource("static-text", "test://static-text", { mimeType: "text/plain" }, () => ({
    contents: [
      {
        uri: "test://static-text",
        mimeType: "text/plain",
        text: "This is the content of the static text resource.",
      },
    ],
  }));
  server.registerResource("static-binary", "test://static-binary", { mimeType: "image/png" }, () => ({
    contents: [{ uri: "test://static-binary", mimeType: "image/png", blob: PNG }],
  }));
  server.registerResource(
    "template",
    new ResourceTemplate("test://template/{id}/data", { list: undefined }),
    { mimeType: "application/json" },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: "application/json",
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    }),
  );
  server.registerResource("watched-resource", "test://watched-resource", { mimeType: "text/plain" }, () => ({
    contents: [{ uri: "test://watched-resource", mimeType: "text/plain", text: "Watched resource content" }],
  }));
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    void log(`Subscribed to resource: ${request.params.uri}`);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    void log(`Unsubscribed from resource: ${request.params.uri}`);
    return {};
  });
  // Completion is declared; the suite asks only that it answers (with no values, here).
  server.server.setRequestHandler(CompleteRequestSchema, () => ({
    completion: { values: [], total: 0, hasMore: false },
  }));
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    void log(`Log level set to: ${request.params.level}`);
    return {};
  });

  server.registerPrompt("test_simple_prompt", { description: "No arguments" }, () => ({
    messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }],
  }));
  server.registerPrompt(
    "test_prompt_with_arguments",
    { description: "Two arguments", argsSchema: { arg1: z.string(), arg2: z.string() } },
    ({ arg1, arg2 }) => ({
      messages: [
        {
          role: "user",
          content: { type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_embedded_resource",
    { description: "An embedded resource", argsSchema: { resourceUri: z.string() } },
    ({ resourceUri }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "resource",
            resource: {
              uri: resourceUri,
              mimeType: "text/plain",
              text: "Embedded resource content for testing.",
            },
          },
        },
        { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
      ],
    }),
  );
  server.registerPrompt("test_prompt_with_image", { description: "An image" }, () => ({
    messages: [
      { role: "user", content: { type: "image", data: PNG, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ],
  }));
  return server;
}

/**
 * tools/list answers `tool` with this JSON Schema as it is ($schema, $defs, additionalProperties
 * kept), which the SDK's schema conversion would not: McpServer's own handler is wrapped.
 */
function rawInputSchema(server: McpServer, tool: string, inputSchema: Record<string, unknown>): void {
  // McpServer installs its tools/list handler once a tool is registered; it is kept and wrapped.
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const list = handlers.get("tools/list")!;
  handlers.set("tools/list", async (request, extra) => {
    const result = (await list(request, extra)) as { tools: { name: string; inputSchema: unknown }[] };
    return { ...result, tools: result.tools.map((t) => (t.name === tool ? { ...t, inputSchema } : t)) };
  });
}
type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/** Keeps every event so a GET with Last-Event-ID resumes a stream (ids "<stream>::<n>"). */
function memoryEventStore(): EventStore {
  const events: { id: string; stream: string; message: Parameters<EventStore["storeEvent"]>[1] }[] = [];
  return {
    async storeEvent(stream, message) {
      const id = `${stream}::${events.length + 1}`;
      events.push({ id, stream, message });
      return id;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const at = events.findIndex((e) => e.id === lastEventId);
      if (at < 0) return "";
      const stream = events[at]!.stream;
      for (const e of events.slice(at + 1)) if (e.stream === stream) await send(e.id, e.message);
      return stream;
    },
  };
}

/** Serves buildServer() on 127.0.0.1 (ephemeral port), path /mcp, one McpServer per session. */
export async function startEverythingServer(): Promise<{ url: string; port: number; server: HttpServer }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer(async (req, res) => {
    const id = req.headers["mcp-session-id"];
    let transport = typeof id === "string" ? sessions.get(id) : undefined;
    if (typeof id === "string" && !transport) {
      res.writeHead(404).end();
      return;
    }
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: memoryEventStore(),
        retryInterval: 500,
        onsessioninitialized: (sid) => {
          sessions.set(sid, created);
        },
        onsessionclosed: (sid) => {
          sessions.delete(sid);
        },
      });
      await buildServer((sid) => (sid === undefined ? undefined : sessions.get(sid))).connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, port, server: http };
}

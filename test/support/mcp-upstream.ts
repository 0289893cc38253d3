import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type EventStore,
  StreamableHTTPServerTransport,
} from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

/** One HTTP request the upstream received. */
export interface UpstreamHttpRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface McpUpstream {
  readonly name: string;
  readonly port: number;
  readonly requests: UpstreamHttpRequest[];
  /** tools/call as the upstream saw them: the tool's own name and its arguments. */
  readonly calls: { tool: string; arguments: Record<string, unknown> | undefined }[];
  /** Session ids the upstream ended on a DELETE. */
  readonly deleted: string[];
  /** What each initialized session's client said of itself (capabilities and clientInfo). */
  readonly initializeParams: Record<string, unknown>[];
  /** Adds a tool to every open session and tells their GET streams (notifications/tools/list_changed). */
  addTool(name: string): Promise<void>;
  /** The URIs resources/subscribe asked for (only upstream "c" announces subscribe). */
  readonly subscribed: string[];
  /**
   * Sends notifications/resources/updated to every open session, subscribed or not: what the
   * gateway lets through is its own filter's doing.
   */
  updateResource(uri: string): Promise<void>;
  /** Resolves once a GET (notification stream) request has arrived. */
  waitForGet(): Promise<void>;
  close(): Promise<void>;
}

export interface McpUpstreamOptions {
  /** The tools it offers besides `echo`, `whoami` and `ask` (sampling). */
  extraTools?: string[];
  /** Answer JSON instead of SSE (enableJsonResponse). */
  json?: boolean;
  instructions?: string;
  /** Keep every event so a GET with Last-Event-ID resumes (the SDK's in-memory event store). */
  resumable?: boolean;
}

/**
 * A real MCP server (the official v1 SDK's low-level Server and StreamableHTTPServerTransport,
 * stateful) on loopback. Every upstream offers `echo` (answers `<name>:<text>`), so the gateway's
 * prefixes are what tells them apart; `whoami` answers the headers the gateway sent; `ask` asks the
 * client to sample (sampling/createMessage on the call's own stream) and answers with its text;
 * `ask-aside` asks the same on the session's GET stream instead; `count` sends two progress
 * notifications before its result.
 * Prompt `greet`, resource `test://<name>/info` and template `test://<name>/items/{id}`.
 */
export async function startMcpUpstream(name: string, options: McpUpstreamOptions = {}): Promise<McpUpstream> {
  const requests: UpstreamHttpRequest[] = [];
  const calls: McpUpstream["calls"] = [];
  const deleted: string[] = [];
  const initializeParams: Record<string, unknown>[] = [];
  const subscribed: string[] = [];
  const tools = ["echo", "whoami", "ask", "ask-aside", "count", ...(options.extraTools ?? [])];
  const servers = new Map<string, { transport: StreamableHTTPServerTransport; server: Server }>();
  let getWaiters: (() => void)[] = [];
  let gets = 0;

  const build = (): Server => {
    const server = new Server(
      { name: `upstream-${name}`, version: "1.0.0" },
      {
        capabilities: {
          tools: { listChanged: true },
          prompts: {},
          resources: { subscribe: name === "c" },
          logging: {},
        },
        ...(options.instructions ? { instructions: options.instructions } : {}),
      },
    );
    server.oninitialized = () => {
      initializeParams.push({
        capabilities: server.getClientCapabilities(),
        clientInfo: server.getClientVersion(),
      });
    };
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: tools.map((t) => ({
        name: t,
        description: `${t} of ${name}`,
        inputSchema: { type: "object" as const },
      })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const args = request.params.arguments;
      calls.push({ tool: request.params.name, arguments: args });
      const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });
      switch (request.params.name) {
        case "echo":
          return text(`${name}:${String(args?.text ?? "")}`);
        case "whoami":
          return text(JSON.stringify(requests.at(-1)?.headers ?? {}));
        case "ask":
        case "ask-aside": {
          const params = {
            messages: [
              {
                role: "user" as const,
                content: { type: "text" as const, text: String(args?.question ?? "") },
              },
            ],
            maxTokens: 10,
          };
          const sampled =
            request.params.name === "ask"
              ? await extra.sendRequest(
                  { method: "sampling/createMessage", params },
                  CreateMessageResultSchema,
                )
              : await server.createMessage(params);
          const content = sampled.content as { type: string; text?: string };
          return text(`${name} heard: ${content.text ?? ""}`);
        }
        case "count": {
          const token = request.params._meta?.progressToken;
          for (const progress of [1, 2]) {
            if (token !== undefined) {
              await extra.sendNotification({
                method: "notifications/progress",
                params: { progressToken: token, progress, total: 2 },
              });
            }
          }
          return text(`${name} counted`);
        }
        default:
          if (tools.includes(request.params.name)) return text(`${name}:${request.params.name}`);
          return { content: [{ type: "text" as const, text: "no such tool" }], isError: true };
      }
    });
    server.setRequestHandler(ListPromptsRequestSchema, () => ({
      prompts: [{ name: "greet", description: `greeting of ${name}` }],
    }));
    server.setRequestHandler(GetPromptRequestSchema, (request) => ({
      messages: [
        {
          role: "user" as const,
          content: { type: "text" as const, text: `${name} greets via ${request.params.name}` },
        },
      ],
    }));
    server.setRequestHandler(ListResourcesRequestSchema, () => ({
      resources: [{ name: "info", uri: `test://${name}/info`, mimeType: "text/plain" }],
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: [{ name: "item", uriTemplate: `test://${name}/items/{id}` }],
    }));
    if (name === "c") {
      server.setRequestHandler(SubscribeRequestSchema, (request) => {
        subscribed.push(request.params.uri);
        return {};
      });
    }
    server.setRequestHandler(ReadResourceRequestSchema, (request) => ({
      contents: [
        { uri: request.params.uri, mimeType: "text/plain", text: `${name} read ${request.params.uri}` },
      ],
    }));
    return server;
  };

  const http = createServer(async (req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const sessionId = req.headers["mcp-session-id"] as string | undefined;
    let entry = sessionId ? servers.get(sessionId) : undefined;
    if (sessionId && !entry) {
      res.writeHead(404).end();
      return;
    }
    if (!entry) {
      const server = build();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.json === true,
        ...(options.resumable ? { eventStore: memoryEventStore() } : {}),
        onsessioninitialized: (id) => {
          servers.set(id, { transport, server });
        },
        onsessionclosed: (id) => {
          deleted.push(id);
          servers.delete(id);
        },
      });
      await server.connect(transport);
      entry = { transport, server };
    }
    if (req.method === "GET") {
      gets++;
      for (const wake of getWaiters) wake();
      getWaiters = [];
    }
    await entry.transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    name,
    port: (http.address() as AddressInfo).port,
    requests,
    calls,
    deleted,
    initializeParams,
    async addTool(tool) {
      tools.push(tool);
      await Promise.all([...servers.values()].map((s) => s.server.sendToolListChanged()));
    },
    subscribed,
    async updateResource(uri) {
      await Promise.all([...servers.values()].map((s) => s.server.sendResourceUpdated({ uri })));
    },
    waitForGet() {
      if (gets > 0) return Promise.resolve();
      return new Promise((resolve) => getWaiters.push(resolve));
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of servers.values()) void s.transport.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/**
 * Every event of a session kept in order, ids "e<n>". (The SDK's example store cannot replay the
 * standalone GET stream: it takes the stream id from the event id up to the first "_", and that
 * stream's id starts with one.)
 */
function memoryEventStore(): EventStore {
  const events: { id: string; streamId: string; message: Parameters<EventStore["storeEvent"]>[1] }[] = [];
  return {
    async storeEvent(streamId, message) {
      const id = `e${events.length + 1}`;
      events.push({ id, streamId, message });
      return id;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const at = events.findIndex((e) => e.id === lastEventId);
      if (at < 0) return "";
      const streamId = events[at]!.streamId;
      for (const e of events.slice(at + 1)) if (e.streamId === streamId) await send(e.id, e.message);
      return streamId;
    },
  };
}

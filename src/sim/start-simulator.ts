import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AdmissionQueue } from "./admission-queue.js";
import { buildChatCompletion } from "./build-chat-completion.js";
import { buildCompletion } from "./build-completion.js";
import { buildEmbeddings } from "./build-embeddings.js";
import { deliverAnswer } from "./deliver-answer.js";
import { readJsonBody } from "./read-json-body.js";
import { sendOpenAIError } from "./send-openai-error.js";
import type { SimAnswer } from "./sim-answer.js";
import { SimMetrics } from "./sim-metrics.js";
import { resolveSimulatorOptions, type SimulatorOptions } from "./simulator-options.js";

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:8000"; clients append /v1/... */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An OpenAI-compatible model server that answers from canned text under a latency model (see
 * simulator-options.ts). Used by demo mode, tests and the benchmark, where with zero latency it must
 * never be the bottleneck: routes are one Map lookup, answers are built with string templates.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const config = resolveSimulatorOptions(options);
  const admission = new AdmissionQueue(config.maxRunning);
  const metrics = new SimMetrics(admission, config.models[0]!);

  const generating =
    (build: (body: Record<string, unknown>) => SimAnswer): Route =>
    (req, res) => {
      readJsonBody(req, res)
        .then((body) => (body ? deliverAnswer(res, build(body), config, admission, metrics) : undefined))
        // A reset connection or a bug in a builder: drop the request rather than the server.
        .catch(() => res.destroy());
    };
  const modelsBody = JSON.stringify({
    object: "list",
    data: config.models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "aigw-sim" })),
  });

  const routes = new Map<string, Route>([
    ["POST /v1/chat/completions", generating((body) => buildChatCompletion(body, config.outputTokens))],
    ["POST /v1/completions", generating((body) => buildCompletion(body, config.outputTokens))],
    ["POST /v1/embeddings", generating(buildEmbeddings)],
    ["GET /v1/models", (_req, res) => sendText(res, 200, "application/json", modelsBody)],
    // vLLM answers /health with 200 and an empty body.
    ["GET /health", (_req, res) => sendText(res, 200, "text/plain", "")],
    [
      "GET /metrics",
      (_req, res) => sendText(res, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()),
    ],
  ]);

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const route = routes.get(`${req.method} ${path}`);
    if (route) {
      route(req, res);
      return;
    }
    req.resume();
    sendOpenAIError(res, 404, `Invalid URL (${req.method} ${path})`);
  });
  // Benchmarks and gateways hold pooled connections open between bursts.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(config.host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Wildcard binds are reached through loopback; IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

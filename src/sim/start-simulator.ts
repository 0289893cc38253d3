import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { buildChatCompletion } from "./build-chat-completion.js";
import { buildCompletion } from "./build-completion.js";
import { buildEmbeddings } from "./build-embeddings.js";
import { deliverAnswer, type SimReplica } from "./deliver-answer.js";
import { KvBlockCache } from "./kv-block-cache.js";
import { LatencyModel } from "./latency-model.js";
import { LoraSlots } from "./lora-slots.js";
import { readJsonBody } from "./read-json-body.js";
import { ReplicaScheduler } from "./replica-scheduler.js";
import { SeededRandom } from "./seeded-random.js";
import { sendOpenAIError } from "./send-openai-error.js";
import { demandBlocks, sequenceDemand } from "./sequence-demand.js";
import { ServedModels } from "./served-models.js";
import type { SimAnswer } from "./sim-answer.js";
import { SimMetrics } from "./sim-metrics.js";
import {
  type ResolvedSimulatorOptions,
  resolveSimulatorOptions,
  type SimulatorOptions,
} from "./simulator-options.js";

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:8000"; clients append /v1/... */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A vLLM look-alike that answers from canned text: one replica with sequence slots, a waiting
 * queue, a prefix-caching KV cache, LoRA slots and a latency model (simulator-options.ts,
 * docs/inference.md). Used by demo mode, tests and the benchmarks, where with zero latency it must
 * never be the bottleneck: routes are one Map lookup, answers are built with string templates.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const config = resolveSimulatorOptions(options);
  const replica = createReplica(config, () => performance.now());
  const models = new ServedModels(config.models, config.loraModules);

  const generating =
    (build: (body: Record<string, unknown>) => SimAnswer, promptField: string | undefined): Route =>
    (req, res) => {
      readJsonBody(req, res)
        .then((request) => {
          if (!request) return;
          const answer = build(request.body);
          if (answer.kind === "error") {
            sendOpenAIError(res, answer.status, answer.message, answer.param, answer.code);
            return;
          }
          // The builders answered the request, so `model` is a non-empty string.
          const model = request.body["model"] as string;
          if (!models.accept(model, res)) return;
          const adapter = models.adapterOf(model);
          const demand = sequenceDemand(request.raw, promptField, answer, model, adapter, config.blockSize);
          if (demandBlocks(demand) > config.kvCacheBlocks) {
            const limit = config.kvCacheBlocks * config.blockSize;
            sendOpenAIError(
              res,
              400,
              `This model's maximum context length is ${limit} tokens. However, you requested ${demand.promptTokens + answer.outputTokens} tokens (${demand.promptTokens} in the messages, ${answer.outputTokens} in the completion).`,
              promptField ?? null,
              "context_length_exceeded",
            );
            return;
          }
          deliverAnswer(res, answer, demand, replica);
        })
        // A reset connection or a bug in a builder: drop the request rather than the server.
        .catch(() => res.destroy());
    };

  const routes = new Map<string, Route>([
    [
      "POST /v1/chat/completions",
      generating((body) => buildChatCompletion(body, config.outputTokens), "messages"),
    ],
    ["POST /v1/completions", generating((body) => buildCompletion(body, config.outputTokens), "prompt")],
    ["POST /v1/embeddings", generating(buildEmbeddings, undefined)],
    ["GET /v1/models", (_req, res) => sendText(res, 200, "application/json", models.listBody)],
    // vLLM answers /health with 200 and an empty body.
    ["GET /health", (_req, res) => sendText(res, 200, "text/plain", "")],
    [
      "GET /metrics",
      (_req, res) => sendText(res, 200, "text/plain; version=0.0.4; charset=utf-8", replica.metrics.render()),
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
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`)),
    );
    server.listen(config.port, config.host, () => {
      server.removeAllListeners("error");
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

/** The scheduler, latency model and metrics of one replica, on the given clock (tests inject one). */
export function createReplica(config: ResolvedSimulatorOptions, now: () => number): SimReplica {
  const lora = config.loraModules.length > 0 ? new LoraSlots(config.maxLoras, config.loraLoadMs) : undefined;
  const scheduler = new ReplicaScheduler(
    { maxNumSeqs: config.maxNumSeqs, maxWaiting: config.maxWaiting },
    new KvBlockCache(config.kvCacheBlocks, config.blockSize),
    lora,
    now,
  );
  const latency = new LatencyModel(config, new SeededRandom(config.seed));
  const metrics = new SimMetrics(scheduler, config.models[0]!, lora ? config.maxLoras : undefined);
  return { scheduler, latency, metrics };
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

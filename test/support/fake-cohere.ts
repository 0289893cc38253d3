import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { serviceBackendDocs } from "./gateway-yaml.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
} from "./recording-upstream.js";

/**
 * A fake Cohere API on 127.0.0.1 that checks what the gateway sends as Cohere does:
 * - every request needs `Authorization: Bearer <key>` with the one key it accepts (401 otherwise);
 * - `POST /v2/rerank` (Rerank v2): `model` and `query` strings, `documents` a non-empty array of
 *   strings, optional `top_n` (a positive integer) and `max_tokens_per_doc`; 400 otherwise. Results
 *   are ranked by how many query words a document shares, and `meta` reports `billed_units.search_units`
 *   (1 per 100 documents) and `tokens.input_tokens` (words of the query times documents plus the
 *   documents' words), as Cohere reports both;
 * - `POST /compatibility/v1/chat/completions` and `/compatibility/v1/embeddings`: Cohere's
 *   OpenAI-compatible API, answered in OpenAI's shapes (streamed chat as SSE, with a usage chunk when
 *   `stream_options.include_usage` is true);
 * - a model named `unknown-model` gets 404, as Cohere answers an unknown model; errors are Cohere's
 *   `{"id","message"}`.
 */

export interface FakeCohereCall {
  operation: "rerank" | "chat" | "embeddings";
  body: Record<string, unknown>;
  /** What the fake counted into the answer's usage. */
  usage: { inputTokens: number; outputTokens: number };
  request: ReceivedRequest;
}

export type FakeCohere = FakeUpstream<FakeCohereCall>;

export const COHERE_KEY = "co-test-key-5f2a";

const REPLY = "Rerankers sort documents by relevance.";

export async function startFakeCohere(options: { key?: string } = {}): Promise<FakeCohere> {
  const key = options.key ?? COHERE_KEY;
  const calls: FakeCohereCall[] = [];
  const upstream = await startRecordingUpstream((req, res) => {
    if (req.headers.authorization !== `Bearer ${key}`) return sendError(res, 401, "invalid api token");
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, "invalid request: could not parse the body as JSON");
    }
    if (req.method !== "POST") return sendError(res, 404, `no route for ${req.method} ${req.url}`);
    if (typeof body.model === "string" && body.model === "unknown-model") {
      return sendError(res, 404, `model '${body.model}' not found, make sure the correct model ID was used`);
    }
    if (req.url === "/v2/rerank") return rerank(req, body, res, calls);
    if (req.url === "/compatibility/v1/chat/completions") return chat(req, body, res, calls);
    if (req.url === "/compatibility/v1/embeddings") return embeddings(req, body, res, calls);
    return sendError(res, 404, `no route for ${req.method} ${req.url}`);
  });
  return withCalls(upstream, calls);
}

function rerank(
  req: ReceivedRequest,
  body: Record<string, unknown>,
  res: ServerResponse,
  calls: FakeCohereCall[],
) {
  const { model, query, documents, top_n: topN } = body;
  if (typeof model !== "string" || model === "")
    return sendError(res, 400, "invalid request: model must be a string");
  if (typeof query !== "string" || query === "")
    return sendError(res, 400, "invalid request: query must be a non-empty string");
  if (!Array.isArray(documents) || documents.length === 0 || !documents.every((d) => typeof d === "string")) {
    return sendError(res, 400, "invalid request: documents must be a non-empty list of strings");
  }
  if (topN !== undefined && !(Number.isInteger(topN) && (topN as number) > 0)) {
    return sendError(res, 400, "invalid request: top_n must be a positive integer");
  }
  for (const field of Object.keys(body)) {
    if (!["model", "query", "documents", "top_n", "max_tokens_per_doc"].includes(field)) {
      return sendError(res, 400, `invalid request: unknown field: parameter ${field} is not a valid field`);
    }
  }
  const queryWords = new Set(words(query));
  const scored = (documents as string[]).map((doc, index) => ({
    index,
    relevance_score: words(doc).filter((w) => queryWords.has(w)).length / (queryWords.size + 1),
  }));
  scored.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  const inputTokens =
    words(query).length * documents.length + (documents as string[]).reduce((n, d) => n + words(d).length, 0);
  calls.push({ operation: "rerank", body, usage: { inputTokens, outputTokens: 0 }, request: req });
  sendJson(res, 200, {
    id: randomUUID(),
    results: topN === undefined ? scored : scored.slice(0, topN as number),
    meta: {
      api_version: { version: "2" },
      billed_units: { search_units: Math.ceil(documents.length / 100) },
      tokens: { input_tokens: inputTokens, output_tokens: 0 },
    },
  });
}

function chat(
  req: ReceivedRequest,
  body: Record<string, unknown>,
  res: ServerResponse,
  calls: FakeCohereCall[],
) {
  const messages = body.messages;
  if (typeof body.model !== "string" || !Array.isArray(messages) || messages.length === 0) {
    return sendError(res, 400, "invalid request: model and messages are required");
  }
  const inputTokens = words(JSON.stringify(messages)).length;
  const outputTokens = words(REPLY).length;
  calls.push({ operation: "chat", body, usage: { inputTokens, outputTokens }, request: req });
  const id = randomUUID();
  const usage = {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
  };
  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created: 1_750_000_000,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: REPLY }, finish_reason: "stop" }],
      usage,
    });
    return;
  }
  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_750_000_000, model: body.model, choices, ...extra })}\n\n`;
  const pieces = REPLY.split(/(?<= )/);
  res.write(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]));
  for (const piece of pieces)
    res.write(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  res.write(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
  if (includeUsage) res.write(chunk([], { usage }));
  res.end("data: [DONE]\n\n");
}

function embeddings(
  req: ReceivedRequest,
  body: Record<string, unknown>,
  res: ServerResponse,
  calls: FakeCohereCall[],
) {
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (typeof body.model !== "string" || !Array.isArray(input) || !input.every((i) => typeof i === "string")) {
    return sendError(res, 400, "invalid request: model and input are required");
  }
  const inputTokens = (input as string[]).reduce((n, text) => n + words(text).length, 0);
  calls.push({ operation: "embeddings", body, usage: { inputTokens, outputTokens: 0 }, request: req });
  sendJson(res, 200, {
    object: "list",
    data: (input as string[]).map((text, index) => ({
      object: "embedding",
      index,
      embedding: [text.length / 8, 0.5],
    })),
    model: body.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  });
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { id: randomUUID(), message });
}

/** A Cohere-schema AIServiceBackend `name` at the fake, with an APIKey policy holding `key`. */
export function cohereBackendDocs(
  name: string,
  fake: FakeCohere,
  options: { key?: string; version?: string } = {},
): Record<string, unknown>[] {
  const docs = serviceBackendDocs(name, fake.url, {
    schema: options.version === undefined ? { name: "Cohere" } : { name: "Cohere", version: options.version },
  });
  const secret = `${name}-apikey`;
  docs.push(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: secret, namespace: "default" },
      type: "Opaque",
      stringData: { apiKey: options.key ?? COHERE_KEY },
    },
    {
      apiVersion: "aigateway.envoyproxy.io/v1beta1",
      kind: "BackendSecurityPolicy",
      metadata: { name: secret, namespace: "default" },
      spec: {
        targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name }],
        type: "APIKey",
        apiKey: { secretRef: { name: secret } },
      },
    },
  );
  return docs;
}

import type { ServerResponse } from "node:http";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
  writeInPieces,
} from "./recording-upstream.js";

/**
 * A fake Vertex AI (Gemini and the embedding models) on 127.0.0.1, as strict as Vertex where the
 * gateway can get it wrong:
 * - the path must be `/v1/projects/<project>/locations/<region>/publishers/google/models/<model>:<method>`
 *   for the project and region it was started with; streamGenerateContent must ask `?alt=sse` (Vertex
 *   otherwise streams a JSON array), other methods take no query; POST only;
 * - `Authorization: Bearer <token>` must hold a token the fake token endpoint issued and that is still
 *   valid (401 UNAUTHENTICATED otherwise);
 * - bodies are checked against the documented request shapes: only known top-level and
 *   generationConfig members, contents with role user/model and non-empty parts, one data member per
 *   part, and every turn of functionResponse parts answering the calls of the model turn before it
 *   one for one and by name (as Gemini requires); embedContent and predict bodies likewise
 *   (400 INVALID_ARGUMENT naming what is wrong);
 * - it answers in Vertex's shapes: JSON, or SSE events `data: <json>\r\n\r\n` cut into awkward pieces
 *   (mid-JSON, mid-separator) written in separate turns, or Vertex's error envelope.
 */

export type VertexMethod =
  | "generateContent"
  | "streamGenerateContent"
  | "embedContent"
  | "predict"
  | "countTokens";

/** A request the fake accepted. */
export interface FakeVertexCall {
  method: VertexMethod;
  /** The model, percent-decoded from the path. */
  model: string;
  body: Record<string, unknown>;
  request: ReceivedRequest;
}

export type FakeVertexAnswer =
  | { json: unknown }
  /** streamGenerateContent: GenerateContentResponse events. */
  | { events: unknown[] }
  | { status: number; error: { status: string; message: string; details?: unknown[] } };

export interface FakeVertexOptions {
  projectName: string;
  region: string;
  /** True for a bearer token the fake token endpoint issued and that has not expired. */
  isValidToken(token: string): boolean;
  answer(call: FakeVertexCall): FakeVertexAnswer;
}

export type FakeVertex = FakeUpstream<FakeVertexCall>;

const GENERATE_KEYS = new Set([
  "contents",
  "systemInstruction",
  "tools",
  "toolConfig",
  "generationConfig",
  "safetySettings",
  "labels",
  "cachedContent",
]);
const GENERATION_CONFIG_KEYS = new Set([
  "temperature",
  "topP",
  "topK",
  "candidateCount",
  "maxOutputTokens",
  "stopSequences",
  "presencePenalty",
  "frequencyPenalty",
  "seed",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseLogprobs",
  "logprobs",
  "thinkingConfig",
]);
const PART_DATA = ["text", "inlineData", "fileData", "functionCall", "functionResponse"];
const PART_KEYS = new Set([...PART_DATA, "thought", "thoughtSignature"]);
const EMBED_KEYS = new Set(["content", "taskType", "title", "outputDimensionality", "autoTruncate"]);
/** Piece sizes for streamed answers: they cut JSON, the "data:" field and the "\r\n\r\n" separator. */
const PIECES = [5, 17, 2, 41, 3, 64];

export async function startFakeVertexGemini(options: FakeVertexOptions): Promise<FakeVertex> {
  const calls: FakeVertexCall[] = [];
  const path = new RegExp(
    `^/v1/projects/${escapeRegExp(options.projectName)}/locations/${escapeRegExp(options.region)}/publishers/google/models/([^/:?]+):(generateContent|streamGenerateContent|embedContent|predict|countTokens)(\\?.*)?$`,
  );
  const upstream = await startRecordingUpstream(async (req, res) => {
    const match = path.exec(req.url);
    if (req.method !== "POST" || !match) {
      return vertexError(res, 404, "NOT_FOUND", `The requested URL ${req.url} was not found on this server.`);
    }
    const [, rawModel, methodName, query] = match;
    const method = methodName as VertexMethod;
    const expectedQuery = method === "streamGenerateContent" ? "?alt=sse" : undefined;
    if (query !== expectedQuery) {
      return vertexError(res, 400, "INVALID_ARGUMENT", `unexpected query ${String(query)} for ${method}`);
    }
    const auth = String(req.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    if (!options.isValidToken(token)) {
      return vertexError(
        res,
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
      );
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return vertexError(res, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    const problem = checkBody(method, body);
    if (problem !== undefined) return vertexError(res, 400, "INVALID_ARGUMENT", problem);
    const call: FakeVertexCall = { method, model: decodeURIComponent(rawModel!), body, request: req };
    calls.push(call);
    const answer = options.answer(call);
    if ("status" in answer) {
      return vertexError(res, answer.status, answer.error.status, answer.error.message, answer.error.details);
    }
    if ("events" in answer) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const sse = answer.events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join("");
      await writeInPieces(res, Buffer.from(sse), PIECES);
      return;
    }
    res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(answer.json));
  });
  return withCalls(upstream, calls);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function vertexError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): void {
  res.writeHead(code, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }));
}

/** What is wrong with a body for `method`, or undefined. */
function checkBody(method: VertexMethod, body: Record<string, unknown>): string | undefined {
  switch (method) {
    case "generateContent":
    case "streamGenerateContent":
    case "countTokens":
      return checkGenerate(body);
    case "embedContent": {
      for (const key of Object.keys(body))
        if (!EMBED_KEYS.has(key)) return `Unknown name "${key}": Cannot find field.`;
      const content = body.content as { parts?: unknown } | undefined;
      if (!Array.isArray(content?.parts) || content.parts.length === 0) return "content.parts is required";
      return checkParts(content.parts, "content");
    }
    case "predict": {
      for (const key of Object.keys(body))
        if (key !== "instances" && key !== "parameters") return `Unknown name "${key}": Cannot find field.`;
      const instances = body.instances;
      if (!Array.isArray(instances) || instances.length === 0) return "instances is required";
      for (const instance of instances) {
        if (typeof (instance as { content?: unknown })?.content !== "string")
          return "each instance needs a content string";
      }
      return undefined;
    }
  }
}

function checkGenerate(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body))
    if (!GENERATE_KEYS.has(key)) return `Unknown name "${key}": Cannot find field.`;
  const config = body.generationConfig as Record<string, unknown> | undefined;
  for (const key of Object.keys(config ?? {}))
    if (!GENERATION_CONFIG_KEYS.has(key))
      return `Unknown name "${key}" at 'generation_config': Cannot find field.`;
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return "contents is not specified";
  let previous: { role?: unknown; parts: Record<string, unknown>[] } | undefined;
  for (const [i, content] of contents.entries()) {
    const c = content as { role?: unknown; parts?: unknown };
    if (c.role !== "user" && c.role !== "model") return `contents[${i}].role must be user or model`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `contents[${i}].parts must not be empty`;
    const problem = checkParts(c.parts, `contents[${i}]`);
    if (problem) return problem;
    const parts = c.parts as Record<string, unknown>[];
    const responses = parts.filter((p) => p.functionResponse !== undefined);
    if (responses.length > 0) {
      const calls =
        previous?.role === "model" ? previous.parts.filter((p) => p.functionCall !== undefined) : [];
      const callNames = calls.map((p) => (p.functionCall as { name: string }).name).sort();
      const responseNames = responses.map((p) => (p.functionResponse as { name: string }).name).sort();
      if (JSON.stringify(callNames) !== JSON.stringify(responseNames)) {
        return `Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn (contents[${i}]: calls ${JSON.stringify(callNames)}, responses ${JSON.stringify(responseNames)}).`;
      }
    }
    previous = { role: c.role, parts };
  }
  const system = body.systemInstruction as { parts?: unknown } | undefined;
  if (system !== undefined) {
    if (!Array.isArray(system.parts) || system.parts.length === 0)
      return "systemInstruction.parts must not be empty";
    const problem = checkParts(system.parts, "systemInstruction");
    if (problem) return problem;
  }
  return undefined;
}

function checkParts(parts: unknown[], where: string): string | undefined {
  for (const [j, part] of parts.entries()) {
    if (typeof part !== "object" || part === null) return `${where}.parts[${j}] must be an object`;
    const keys = Object.keys(part);
    for (const key of keys) if (!PART_KEYS.has(key)) return `Unknown name "${key}" at '${where}.parts[${j}]'`;
    if (keys.filter((k) => PART_DATA.includes(k)).length !== 1)
      return `${where}.parts[${j}] must hold exactly one of ${PART_DATA.join(", ")}`;
    const p = part as Record<string, { mimeType?: unknown; response?: unknown; name?: unknown }>;
    if ((p.inlineData || p.fileData) && typeof (p.inlineData ?? p.fileData)?.mimeType !== "string")
      return `${where}.parts[${j}] needs a mimeType`;
    if (
      p.functionResponse &&
      (typeof p.functionResponse.name !== "string" || typeof p.functionResponse.response !== "object")
    )
      return `${where}.parts[${j}].functionResponse needs a name and a response object`;
  }
  return undefined;
}

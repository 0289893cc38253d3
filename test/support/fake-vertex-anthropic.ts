import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  fakeClaudeMessage,
  fakeClaudeStreamEvents,
  fakeCountTokens,
  validateRequest,
} from "./fake-anthropic.js";
import { serviceBackendDocs } from "./gateway-yaml.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
  withCalls,
  writeInPieces,
} from "./recording-upstream.js";

/** A request the fake Vertex accepted, with what it understood of it. */
export interface FakeVertexCall {
  operation: "messages" | "count_tokens";
  method: "rawPredict" | "streamRawPredict";
  project: string;
  region: string;
  /** The model of the path (Messages) or of the body (count-tokens), decoded. */
  model: string;
  /** The bearer token it was authorized with. */
  token: string;
  /** The `anthropic-beta` flags of the header, in order. */
  betas: string[];
  body: Record<string, unknown>;
  request: ReceivedRequest;
}

export type FakeVertexAnswer =
  /** The default deterministic answer (fake-anthropic's Message, stream or count). */
  | undefined
  /** Claude's own error, in Anthropic's envelope. */
  | { status: number; errorType: string; message: string }
  /** Vertex's own error, in Google's envelope. */
  | { status: number; googleStatus: string; message: string }
  /** Anything else, verbatim. */
  | { status: number; contentType: string; raw: string }
  /** A stream that fails after message_start with an `error` event (Claude overloaded mid-answer). */
  | { streamError: { type: string; message: string } };

export interface FakeVertexOptions {
  projectName: string;
  region: string;
  /** True for a bearer token the fake token endpoint issued and that has not expired. */
  isValidToken: (token: string) => boolean;
  /** The anthropic_version it accepts; default vertex-2023-10-16. */
  version?: string;
  answer?: (call: FakeVertexCall) => FakeVertexAnswer;
}

export type FakeVertexAnthropic = FakeUpstream<FakeVertexCall>;

/** Beta flags this fake knows; Vertex rejects a request with any other flag in the header. */
const KNOWN_BETAS: ReadonlySet<string> = new Set([
  "interleaved-thinking-2025-05-14",
  "context-1m-2025-08-07",
  "fine-grained-tool-streaming-2025-05-14",
  "token-efficient-tools-2025-02-19",
  "output-128k-2025-02-19",
  "context-management-2025-06-27",
  "token-counting-2024-11-01",
]);

const PATH =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;
const CHUNK_SIZES = [5, 1, 40, 3, 90, 13, 2];

/**
 * A fake Claude on Vertex AI on 127.0.0.1, strict where a gateway can get it wrong:
 * - only POST /v1/projects/<project>/locations/<region>/publishers/anthropic/models/<model>:rawPredict
 *   or :streamRawPredict exist, for the configured project and region (Google's 404 otherwise);
 *   `count-tokens:rawPredict` counts tokens;
 * - `Authorization: Bearer <token>` must hold a token the fake token endpoint issued and that has
 *   not expired (Google's 401 UNAUTHENTICATED otherwise);
 * - the body must name the Vertex `anthropic_version` and, for Messages, must not hold `model` (it is
 *   in the path; count-tokens needs it in the body); `stream` must agree with the method; the rest is
 *   validated like the Anthropic API's (fake-anthropic's validateRequest);
 * - every `anthropic-beta` flag must be one Vertex knows (400 "Unexpected value(s)" otherwise);
 * - what only the Anthropic API takes is refused: its own services (service_tier, container, ...),
 *   context_management without its flag, adaptive thinking or effort on a model without them,
 *   output_config keys other than effort.
 * Answers are fake-anthropic's deterministic Messages, streamed as Anthropic SSE cut at awkward places.
 */
export async function startFakeVertexAnthropic(options: FakeVertexOptions): Promise<FakeVertexAnthropic> {
  const calls: FakeVertexCall[] = [];
  const version = options.version ?? "vertex-2023-10-16";
  let count = 0;
  const upstream: RecordingUpstream = await startRecordingUpstream(async (req, res) => {
    const match = PATH.exec(req.url);
    if (req.method !== "POST" || !match) return googleError(res, 404, "NOT_FOUND", `${req.url} not found`);
    const [, project, region, rawModel, method] = match as unknown as [
      string,
      string,
      string,
      string,
      FakeVertexCall["method"],
    ];
    if (project !== options.projectName || region !== options.region) {
      return googleError(res, 404, "NOT_FOUND", `Project ${project} or location ${region} not found`);
    }
    const auth = String(req.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    if (!options.isValidToken(token)) {
      return googleError(res, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    }
    const betas = String(req.headers["anthropic-beta"] ?? "")
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b !== "");
    const unknown = betas.filter((b) => !KNOWN_BETAS.has(b));
    if (unknown.length > 0) {
      return claudeError(
        res,
        400,
        "invalid_request_error",
        `Unexpected value(s) ${unknown.map((b) => `\`${b}\``).join(", ")} for the \`anthropic-beta\` header.`,
      );
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return claudeError(
        res,
        400,
        "invalid_request_error",
        "There was an error parsing the body of your request.",
      );
    }
    const pathModel = decodeURIComponent(rawModel);
    const operation = pathModel === "count-tokens" ? "count_tokens" : "messages";
    if (operation === "count_tokens" && method !== "rawPredict") {
      return googleError(res, 404, "NOT_FOUND", "count-tokens has no streamRawPredict");
    }
    if (body.anthropic_version !== version) {
      return claudeError(
        res,
        400,
        "invalid_request_error",
        `anthropic_version: Input should be '${version}'`,
      );
    }
    const { anthropic_version: _version, ...rest } = body;
    if (operation === "messages" && "model" in rest) {
      return claudeError(res, 400, "invalid_request_error", "model: Extra inputs are not permitted");
    }
    if (operation === "messages" && (rest.stream === true) !== (method === "streamRawPredict")) {
      return claudeError(
        res,
        400,
        "invalid_request_error",
        `stream must be ${method === "streamRawPredict"} for ${method}`,
      );
    }
    const model = operation === "messages" ? pathModel : String(rest.model ?? "");
    const problem = validateRequest(
      operation === "messages" ? { ...rest, model } : rest,
      operation,
      "2023-06-01",
    );
    if (problem !== undefined) return claudeError(res, 400, "invalid_request_error", problem);
    const vertexProblem = vertexOnlyProblem(rest, model, betas);
    if (vertexProblem !== undefined) return claudeError(res, 400, "invalid_request_error", vertexProblem);
    const call: FakeVertexCall = {
      operation,
      method,
      project,
      region,
      model,
      token,
      betas,
      body,
      request: req,
    };
    calls.push(call);
    const answer = options.answer?.(call);
    if (answer && "errorType" in answer)
      return claudeError(res, answer.status, answer.errorType, answer.message);
    if (answer && "googleStatus" in answer)
      return googleError(res, answer.status, answer.googleStatus, answer.message);
    if (answer && "raw" in answer) {
      res.writeHead(answer.status, { "content-type": answer.contentType });
      res.end(answer.raw);
      return;
    }
    if (operation === "count_tokens") return sendJson(res, { input_tokens: fakeCountTokens(rest) });
    count++;
    const message = fakeClaudeMessage({ ...rest, model }, count);
    if (method === "streamRawPredict") {
      const failure = answer && "streamError" in answer ? answer.streamError : undefined;
      const bytes = Buffer.from(
        fakeClaudeStreamEvents(message, failure)
          .map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
          .join(""),
      );
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      await writeInPieces(res, bytes, CHUNK_SIZES);
      return;
    }
    sendJson(res, message);
  });
  return withCalls(upstream, calls);
}

/** Fields the Anthropic API takes and Claude on Vertex does not (the API's own services). */
const ANTHROPIC_API_ONLY = ["service_tier", "container", "inference_geo", "mcp_servers", "speed"];
/** Models with adaptive thinking and effort (Opus 4.5: effort only), from Anthropic's model tables. */
const ADAPTIVE_MODEL =
  /claude-(?:opus|sonnet)-4-[6-9]|claude-(?:opus|sonnet|haiku)-5|claude-mythos|claude-fable/;
const EFFORT_MODEL = /claude-opus-4-5/;

/** What Vertex refuses that the Anthropic API (fake-anthropic's validateRequest) would take. */
function vertexOnlyProblem(
  body: Record<string, unknown>,
  model: string,
  betas: string[],
): string | undefined {
  for (const field of ANTHROPIC_API_ONLY) {
    if (body[field] !== undefined) return `${field}: Extra inputs are not permitted`;
  }
  if (body.context_management !== undefined && !betas.includes("context-management-2025-06-27")) {
    return "context_management: Extra inputs are not permitted";
  }
  const adaptive = ADAPTIVE_MODEL.test(model);
  const thinking = body.thinking as { type?: unknown } | undefined;
  if (thinking?.type === "adaptive" && !adaptive) return "adaptive thinking is not supported on this model";
  const outputConfig = body.output_config as Record<string, unknown> | undefined;
  if (outputConfig !== undefined) {
    for (const key of Object.keys(outputConfig)) {
      if (key !== "effort") return `output_config.${key}: Extra inputs are not permitted`;
    }
    if (!adaptive && !EFFORT_MODEL.test(model)) return "output_config.effort: Extra inputs are not permitted";
  }
  return undefined;
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(value));
}

function claudeError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(
    JSON.stringify({ type: "error", error: { type, message }, request_id: `req_vrtx_${randomUUID()}` }),
  );
}

function googleError(res: ServerResponse, status: number, googleStatus: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify({ error: { code: status, message, status: googleStatus } }));
}

/** An AIServiceBackend of schema GCPAnthropic reaching the fake at `upstreamUrl`. */
export function vertexAnthropicBackendDocs(
  name: string,
  upstreamUrl: string,
  schema: Record<string, unknown> = { name: "GCPAnthropic", version: "vertex-2023-10-16" },
): Record<string, unknown>[] {
  return serviceBackendDocs(name, upstreamUrl, { schema });
}

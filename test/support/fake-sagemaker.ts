import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { encodeAwsException } from "./encode-aws-event.js";
import {
  bedrockBackendDocs,
  checkSignature,
  type FakeBedrock,
  type FakeBedrockCredentials,
} from "./fake-bedrock.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
  writeInPieces,
} from "./recording-upstream.js";

/**
 * A fake SageMaker runtime on 127.0.0.1 hosting OpenAI-compatible model containers, strict where the
 * gateway can go wrong:
 * - it recomputes every SigV4 signature with `@smithy/signature-v4` for service `sagemaker` and its
 *   region (403 `InvalidSignatureException` / `UnrecognizedClientException` on a mismatch; a request
 *   signed for `bedrock` fails);
 * - only `POST /endpoints/<name>/invocations` (InvokeEndpoint) and
 *   `/endpoints/<name>/invocations-response-stream` (InvokeEndpointWithResponseStream) exist; an
 *   endpoint it does not host is 400 `ValidationError`, as SageMaker answers;
 * - the container checks the OpenAI body (`model`, `messages` or `input`; `stream: true` only on the
 *   streaming operation and never on the other) and answers as vLLM would; its errors come back as
 *   SageMaker's 424 `ModelError` wrapping the container's status and message;
 * - streams are the container's SSE cut into pieces, each the raw payload of a `PayloadPart`
 *   event-stream frame, the frames themselves written cut at awkward byte boundaries; an endpoint
 *   named `breaks-mid-stream` ends with a `ModelStreamError` exception after its first pieces.
 */

export interface FakeSageMakerCall {
  endpoint: string;
  operation: "invocations" | "invocations-response-stream";
  body: Record<string, unknown>;
  /** The usage the container put in its answer. */
  usage: { inputTokens: number; outputTokens: number };
  request: ReceivedRequest;
}

export type FakeSageMaker = FakeUpstream<FakeSageMakerCall>;

/** Endpoints it hosts. `failing-model` answers a container error; `breaks-mid-stream` fails mid-stream. */
export const SAGEMAKER_ENDPOINTS = ["my-llama-endpoint", "failing-model", "breaks-mid-stream"] as const;

export const CONTAINER_REPLY = "SageMaker hosts this model on an endpoint.";

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PATH = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/;
/** Byte counts the frames are cut into, cycled; several cut inside the 12-byte prelude. */
const CHUNK_SIZES = [3, 17, 1, 40, 9, 5, 128];

export async function startFakeSageMaker(options: {
  credentials: FakeBedrockCredentials;
  region?: string;
}): Promise<FakeSageMaker> {
  const region = options.region ?? "us-east-1";
  const calls: FakeSageMakerCall[] = [];
  const upstream = await startRecordingUpstream(async (req, res) => {
    const problem = await checkSignature(req, [options.credentials], region, "sagemaker");
    if (problem !== undefined) return sendError(res, 403, problem.type, problem.message);
    const path = PATH.exec(req.url);
    if (req.method !== "POST" || path === null) {
      return sendError(res, 404, "UnknownOperationException", `no operation at ${req.method} ${req.url}`);
    }
    const endpoint = path[1] as string;
    const operation = path[2] as FakeSageMakerCall["operation"];
    if (!(SAGEMAKER_ENDPOINTS as readonly string[]).includes(endpoint)) {
      return sendError(
        res,
        400,
        "ValidationError",
        `Endpoint ${endpoint} of account 123456789012 not found.`,
      );
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return modelError(res, endpoint, 400, '{"error":"the body is not JSON"}');
    }
    const streaming = operation === "invocations-response-stream";
    const containerProblem = checkContainerBody(body, streaming);
    if (containerProblem !== undefined)
      return modelError(res, endpoint, 400, JSON.stringify({ error: containerProblem }));
    if (endpoint === "failing-model") {
      return modelError(
        res,
        endpoint,
        400,
        JSON.stringify({ object: "error", message: "max_tokens must be at least 1", code: 400 }),
      );
    }
    const usage = containerUsage(body);
    calls.push({ endpoint, operation, body, usage, request: req });
    if (!streaming) {
      const json = JSON.stringify(containerAnswer(body, usage));
      res.writeHead(200, {
        "content-type": "application/json",
        "x-amzn-invoked-production-variant": "AllTraffic",
        "x-amzn-requestid": randomUUID(),
      });
      res.end(json);
      return;
    }
    const sse = containerStream(body, usage);
    // SageMaker cuts the container's bytes where it likes: pieces of 7 bytes, mid-line and mid-event.
    const pieces: Buffer[] = [];
    for (let at = 0; at < sse.length; at += 7) pieces.push(sse.subarray(at, at + 7));
    const frames = (endpoint === "breaks-mid-stream" ? pieces.slice(0, 6) : pieces).map(payloadPart);
    if (endpoint === "breaks-mid-stream") {
      frames.push(
        encodeAwsException("ModelStreamError", {
          ErrorCode: "ModelStreamError",
          Message: "Your model stream was interrupted by an error.",
        }),
      );
    }
    res.writeHead(200, {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-sagemaker-content-type": "text/event-stream",
      "x-amzn-requestid": randomUUID(),
    });
    await writeInPieces(res, Buffer.concat(frames), CHUNK_SIZES);
  });
  return withCalls(upstream, calls);
}

/** A `PayloadPart` event whose payload is `bytes` themselves (the blob is the event payload). */
function payloadPart(bytes: Buffer): Buffer {
  return Buffer.from(
    codec.encode({
      headers: {
        ":event-type": { type: "string", value: "PayloadPart" },
        ":content-type": { type: "string", value: "application/octet-stream" },
        ":message-type": { type: "string", value: "event" },
      },
      body: new Uint8Array(bytes),
    }),
  );
}

function checkContainerBody(body: Record<string, unknown>, streaming: boolean): string | undefined {
  if (typeof body.model !== "string" || body.model === "") return "model is required";
  if (!Array.isArray(body.messages) && body.input === undefined && body.prompt === undefined) {
    return "messages, prompt or input is required";
  }
  if (streaming !== (body.stream === true)) {
    return streaming ? "the streaming operation needs stream: true" : "stream: true on InvokeEndpoint";
  }
  return undefined;
}

function words(text: string): number {
  return (text.match(/[A-Za-z0-9]+/g) ?? []).length;
}

function containerUsage(body: Record<string, unknown>): { inputTokens: number; outputTokens: number } {
  const input = words(JSON.stringify(body.messages ?? body.input ?? body.prompt));
  return { inputTokens: input, outputTokens: body.input === undefined ? words(CONTAINER_REPLY) : 0 };
}

function containerAnswer(
  body: Record<string, unknown>,
  usage: { inputTokens: number; outputTokens: number },
): unknown {
  const openAIUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (body.input !== undefined) {
    return {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.25, -0.5] }],
      model: body.model,
      usage: openAIUsage,
    };
  }
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: 1_750_000_000,
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content: CONTAINER_REPLY }, finish_reason: "stop" }],
    usage: openAIUsage,
  };
}

function containerStream(
  body: Record<string, unknown>,
  usage: { inputTokens: number; outputTokens: number },
): Buffer {
  const id = `chatcmpl-${randomUUID()}`;
  const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_750_000_000, model: body.model, choices, ...extra })}\n\n`;
  let out = event([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  for (const piece of CONTAINER_REPLY.split(/(?<= )/))
    out += event([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  out += event([{ index: 0, delta: {}, finish_reason: "stop" }]);
  if ((body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true) {
    out += event([], {
      usage: {
        prompt_tokens: usage.inputTokens,
        completion_tokens: usage.outputTokens,
        total_tokens: usage.inputTokens + usage.outputTokens,
      },
    });
  }
  return Buffer.from(`${out}data: [DONE]\n\n`);
}

/** SageMaker's answer when the container answered an error: 424 ModelError. */
function modelError(res: ServerResponse, endpoint: string, status: number, containerMessage: string): void {
  const json = JSON.stringify({
    ErrorCode: "CLIENT_ERROR_FROM_MODEL",
    LogStreamArn: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/${endpoint}`,
    Message: `Received client error (${status}) from primary with message "${containerMessage}". See the log stream for more information.`,
    OriginalMessage: containerMessage,
    OriginalStatusCode: status,
  });
  res.writeHead(424, {
    "content-type": "application/json",
    "x-amzn-errortype": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/",
  });
  res.end(json);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-amzn-requestid": randomUUID(),
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/`,
  });
  res.end(JSON.stringify({ message }));
}

/**
 * An AIServiceBackend `name` at the fake with AWSCredentials for `credentials` (us-east-1): the Bedrock
 * helper's documents, which read only the fake's port, with `schema` (default aigw/AWSSageMaker).
 */
export function sageMakerBackendDocs(
  name: string,
  fake: FakeSageMaker,
  credentials: FakeBedrockCredentials,
  schema: Record<string, unknown> = { name: "aigw/AWSSageMaker" },
): Record<string, unknown>[] {
  return bedrockBackendDocs(name, fake as unknown as FakeBedrock, { schema, credentials });
}

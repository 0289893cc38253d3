import { createHash, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { encodeAwsEvent, encodeAwsException } from "./encode-aws-event.js";
import { serviceBackendDocs } from "./gateway-yaml.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
  writeInPieces,
} from "./recording-upstream.js";

/**
 * A fake AWS Bedrock runtime on 127.0.0.1 that behaves like the real one where the gateway can get it
 * wrong:
 * - it verifies the SigV4 signature by recomputing it from its own copy of the credentials (and the
 *   payload hash from the body) and answers 403 `InvalidSignatureException` / `UnrecognizedClientException`
 *   as AWS does when it does not match;
 * - it checks the path (`/model/<escaped id>/converse|converse-stream|invoke`) and that Converse bodies
 *   have only Converse fields, one member per content block and alternating roles (400
 *   `ValidationException` otherwise);
 * - it answers with Bedrock-shaped JSON and event streams, the latter cut at awkward byte boundaries
 *   (inside preludes and headers) and written in separate turns;
 * - it serves CountTokens (`/model/<id>/count-tokens`) as documented: `{"input": ...}` holding exactly
 *   one of `invokeModel` (`body`: the base64 of an InvokeModel body, checked against Claude's Messages
 *   schema) or `converse` (only the members ConverseTokensRequest has, checked like Converse), 400
 *   `ValidationException` otherwise and for models that cannot count (anything but a base
 *   `anthropic.` id: inference profiles are refused too), and `{"inputTokens": N}` with N from
 *   countFakeTokens.
 */

export interface FakeBedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The example key pair of AWS's documentation: static credentials for a fake that accepts them. */
export const EXAMPLE_CREDENTIALS: Readonly<FakeBedrockCredentials> = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

/** A request the fake accepted, with what it understood of it. */
export interface FakeBedrockCall {
  operation: "converse" | "converse-stream" | "invoke" | "invoke-with-response-stream" | "count-tokens";
  /** The model id, percent-decoded from the path. */
  modelId: string;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** CountTokens: what was counted (an InvokeModel body decoded from base64) and the count. */
  countTokens?: FakeCountTokensInput;
  request: ReceivedRequest;
}

/** The input of a CountTokens request, decoded and validated, and the tokens the fake counts in it. */
export interface FakeCountTokensInput {
  form: "invokeModel" | "converse";
  /** The decoded InvokeModel body, or the `converse` member. */
  request: Record<string, unknown>;
  inputTokens: number;
}

export type StreamEvents = [eventType: string, payload: Record<string, unknown>][];

export type FakeBedrockAnswer =
  /** 200 JSON (Converse, or InvokeModel's model-specific body). */
  | { json: unknown }
  /** 200 event stream: events in order, then an optional in-stream exception. */
  | { events: StreamEvents; exception?: { type: string; message: string } }
  /** An error as Bedrock sends it: JSON {message} with x-amzn-errortype. */
  | { status: number; errorType: string; message: string }
  /** Anything else, verbatim. */
  | { status: number; contentType: string; raw: string };

export interface FakeBedrockOptions {
  /** The credentials it accepts: one set, or several told apart by access key id, as AWS does. */
  credentials: FakeBedrockCredentials | readonly FakeBedrockCredentials[];
  /** The region requests must be signed for; default us-east-1. */
  region?: string;
  /** The answer per call; the default answers every operation with a canned response. */
  answer?: (call: FakeBedrockCall) => FakeBedrockAnswer | Promise<FakeBedrockAnswer>;
}

/** `calls` holds the requests whose signature and shape were accepted. */
export type FakeBedrock = FakeUpstream<FakeBedrockCall>;

/** Byte counts the event stream is cut into, cycled; several cut inside the 12-byte prelude. */
const CHUNK_SIZES = [1, 5, 11, 2, 29, 7, 64, 3];

const Sha256 = Hash.bind(null, "sha256");
const PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

const CONVERSE_FIELDS = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "promptVariables",
  "additionalModelResponseFieldPaths",
  "requestMetadata",
  "performanceConfig",
  "serviceTier",
  "outputConfig",
]);
const CONTENT_BLOCK_MEMBERS = new Set([
  "text",
  "image",
  "document",
  "video",
  "audio",
  "toolUse",
  "toolResult",
  "guardContent",
  "cachePoint",
  "reasoningContent",
  "citationsContent",
  "searchResult",
]);

export async function startFakeBedrock(options: FakeBedrockOptions): Promise<FakeBedrock> {
  const region = options.region ?? "us-east-1";
  const answer = options.answer ?? defaultAnswer;
  const calls: FakeBedrockCall[] = [];
  const upstream = await startRecordingUpstream(async (req, res) => {
    const signatureProblem = await checkSignature(req, [options.credentials].flat(), region);
    if (signatureProblem !== undefined) {
      return sendError(res, 403, signatureProblem.type, signatureProblem.message);
    }
    const path = PATH.exec(req.url);
    if (req.method !== "POST" || path === null) {
      return sendError(res, 404, "UnknownOperationException", `no operation at ${req.method} ${req.url}`);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return sendError(
        res,
        400,
        "ValidationException",
        "Malformed input request, please reformat your input and try again.",
      );
    }
    const operation = path[2] as FakeBedrockCall["operation"];
    if (operation === "converse" || operation === "converse-stream") {
      const problem = converseProblem(body);
      if (problem !== undefined) return sendError(res, 400, "ValidationException", problem);
    }
    const modelId = decodeURIComponent(path[1] as string);
    if ((operation === "invoke" || operation === "invoke-with-response-stream") && CLAUDE_ID.test(modelId)) {
      const problem = claudeInvokeProblem(body, modelId);
      if (problem !== undefined) return sendError(res, 400, "ValidationException", problem);
    }
    const call: FakeBedrockCall = { operation, modelId, body, request: req };
    if (operation === "count-tokens") {
      const counted = readCountTokens(modelId, body);
      if (typeof counted === "string") return sendError(res, 400, "ValidationException", counted);
      call.countTokens = counted;
    }
    calls.push(call);
    await send(res, await answer(call));
  });
  return withCalls(upstream, calls);
}

/** The default: a short text answer, streamed for converse-stream, and a Titan embedding for invoke. */
function defaultAnswer(call: FakeBedrockCall): FakeBedrockAnswer {
  switch (call.operation) {
    case "converse":
      return {
        json: {
          metrics: { latencyMs: 312 },
          output: { message: { content: [{ text: "Hello from Bedrock." }], role: "assistant" } },
          stopReason: "end_turn",
          usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        },
      };
    case "converse-stream":
      return {
        events: [
          ["messageStart", { p: "abcdefghijklmnopqrstuvwxyzABCD", role: "assistant" }],
          ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello " }, p: "abcdefgh" }],
          [
            "contentBlockDelta",
            { contentBlockIndex: 0, delta: { text: "from Bedrock." }, p: "abcdefghijklmnopq" },
          ],
          ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" }],
          ["messageStop", { p: "abcdefghijklmnopqrstuvwxyzAB", stopReason: "end_turn" }],
          [
            "metadata",
            {
              metrics: { latencyMs: 287 },
              p: "abcdefghijk",
              usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
            },
          ],
        ],
      };
    case "count-tokens":
      return { json: { inputTokens: call.countTokens?.inputTokens } };
    default:
      return { json: { embedding: [0.125, -0.5, 0.75, 0.0078125], inputTextTokenCount: 4 } };
  }
}

async function send(res: ServerResponse, answer: FakeBedrockAnswer): Promise<void> {
  const requestId = randomUUID();
  if ("json" in answer) {
    res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": requestId });
    res.end(JSON.stringify(answer.json));
    return;
  }
  if ("errorType" in answer)
    return sendError(res, answer.status, answer.errorType, answer.message, requestId);
  if ("raw" in answer) {
    res.writeHead(answer.status, { "content-type": answer.contentType, "x-amzn-requestid": requestId });
    res.end(answer.raw);
    return;
  }
  const frames = answer.events.map(([type, payload]) => encodeAwsEvent(type, payload));
  if (answer.exception)
    frames.push(encodeAwsException(answer.exception.type, { message: answer.exception.message }));
  const bytes = Buffer.concat(frames);
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": requestId });
  await writeInPieces(res, bytes, CHUNK_SIZES);
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  requestId = randomUUID(),
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-amzn-requestid": requestId,
    // AWS appends the Coral namespace; clients must strip it.
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
  res.end(JSON.stringify({ message }));
}

/**
 * Recomputes the request's SigV4 signature as AWS does (for `service`: the fake SageMaker uses it
 * too); returns the AWS error when it does not match.
 */
export async function checkSignature(
  req: ReceivedRequest,
  accepted: readonly FakeBedrockCredentials[],
  region: string,
  service = "bedrock",
): Promise<{ type: string; message: string } | undefined> {
  const auth = AUTHORIZATION.exec(String(req.headers.authorization ?? ""));
  if (auth === null)
    return { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
  const [, accessKeyId, date, signedRegion, signedService, signedHeaderList, signature] =
    auth as unknown as string[];
  const expected = accepted.find((credentials) => credentials.accessKeyId === accessKeyId);
  if (expected === undefined) {
    return {
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (signedRegion !== region || signedService !== service) {
    return {
      type: "InvalidSignatureException",
      message: `Credential should be scoped to a valid region and service '${service}', not '${signedRegion}/${signedService}'.`,
    };
  }
  if (expected.sessionToken !== undefined && req.headers["x-amz-security-token"] !== expected.sessionToken) {
    return {
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const signedHeaders = (signedHeaderList as string).split(";");
  for (const required of ["host", "x-amz-date"]) {
    if (!signedHeaders.includes(required)) {
      return { type: "InvalidSignatureException", message: `'${required}' must be a signed header.` };
    }
  }
  if (expected.sessionToken !== undefined && !signedHeaders.includes("x-amz-security-token")) {
    return { type: "InvalidSignatureException", message: "'x-amz-security-token' must be a signed header." };
  }
  const contentSha = req.headers["x-amz-content-sha256"];
  if (contentSha !== undefined && contentSha !== createHash("sha256").update(req.body).digest("hex")) {
    return {
      type: "InvalidSignatureException",
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) {
      return {
        type: "InvalidSignatureException",
        message: `Signed header '${name}' is missing from the request.`,
      };
    }
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const signer = new SignatureV4({ service, region, credentials: expected, sha256: Sha256 });
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Number.isNaN(signingDate.getTime()) || !amzDate.startsWith(date as string)) {
    return {
      type: "InvalidSignatureException",
      message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
    };
  }
  const [path, search = ""] = req.url.split("?", 2) as [string, string?];
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] = value;
  const recomputed = await signer.sign(
    {
      method: req.method,
      protocol: "https:",
      hostname: headers.host ?? "",
      path,
      query,
      headers,
      body: req.body,
    },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(String(recomputed.headers.authorization))?.[1];
  if (expectedSignature !== signature) {
    return {
      type: "InvalidSignatureException",
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    };
  }
  return undefined;
}

/**
 * What Bedrock's request validation would reject in a Converse body (or, with CountTokens' narrower
 * set of members, in a ConverseTokensRequest), if anything.
 */
function converseProblem(
  body: Record<string, unknown>,
  fields: ReadonlySet<string> = CONVERSE_FIELDS,
): string | undefined {
  for (const key of Object.keys(body)) {
    if (!fields.has(key)) return `Malformed input request: extraneous key [${key}] is not permitted`;
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return "A conversation must start with a user message.";
  let previousRole: unknown;
  for (const [i, message] of (messages as Record<string, unknown>[]).entries()) {
    if (message.role !== "user" && message.role !== "assistant")
      return `messages.${i}.role must be user or assistant`;
    if (message.role === previousRole) {
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    }
    previousRole = message.role;
    if (!Array.isArray(message.content) || message.content.length === 0) {
      return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`;
    }
    for (const block of message.content as Record<string, unknown>[]) {
      const members = Object.keys(block);
      if (members.length !== 1 || !CONTENT_BLOCK_MEMBERS.has(members[0] as string)) {
        return `Malformed input request: messages.${i}.content has a block with members [${members.join(", ")}]; exactly one of ${[...CONTENT_BLOCK_MEMBERS].join(", ")} is allowed`;
      }
    }
  }
  if ((messages[0] as Record<string, unknown>).role !== "user")
    return "A conversation must start with a user message.";
  return undefined;
}

/** The members of ConverseTokensRequest, the `converse` input of CountTokens. */
const COUNT_TOKENS_CONVERSE_FIELDS: ReadonlySet<string> = new Set([
  "messages",
  "system",
  "toolConfig",
  "additionalModelRequestFields",
]);
/** The fields of Claude's Messages body in InvokeModel; `model` and `stream` are not among them. */
const CLAUDE_INVOKE_FIELDS: ReadonlySet<string> = new Set([
  "anthropic_version",
  "anthropic_beta",
  "max_tokens",
  "messages",
  "system",
  "stop_sequences",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "metadata",
  "output_config",
  "context_management",
]);
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MALFORMED = "Malformed input request, please reformat your input and try again.";

/** A CountTokens body read as Bedrock reads it: what it counts, or the ValidationException message. */
function readCountTokens(modelId: string, body: Record<string, unknown>): FakeCountTokensInput | string {
  // Only base foundation-model ids of Claude count; cross-Region profiles and other models do not.
  if (!modelId.startsWith("anthropic.")) return "The provided model doesn't support counting tokens.";
  const input = body.input;
  if (!isJsonObject(input)) {
    return "1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null";
  }
  const members = Object.keys(input);
  if (members.length !== 1 || (members[0] !== "invokeModel" && members[0] !== "converse")) {
    return `Malformed input request: input is a union, set exactly one of [invokeModel, converse], not [${members.join(", ")}]`;
  }
  if (members[0] === "converse") {
    const converse = input.converse;
    if (!isJsonObject(converse)) return MALFORMED;
    const problem = converseProblem(converse, COUNT_TOKENS_CONVERSE_FIELDS);
    if (problem !== undefined) return problem;
    const toolConfig = isJsonObject(converse.toolConfig) ? converse.toolConfig : {};
    return {
      form: "converse",
      request: converse,
      inputTokens: countFakeTokens([converse.system, converse.messages, toolConfig.tools]),
    };
  }
  const invokeModel = input.invokeModel;
  if (!isJsonObject(invokeModel) || typeof invokeModel.body !== "string") {
    return "1 validation error detected: Value null at 'input.invokeModel.body' failed to satisfy constraint: Member must not be null";
  }
  if (!STANDARD_BASE64.test(invokeModel.body)) return "input.invokeModel.body is not valid base64.";
  let request: unknown;
  try {
    request = JSON.parse(Buffer.from(invokeModel.body, "base64").toString("utf8"));
  } catch {
    return MALFORMED;
  }
  if (!isJsonObject(request)) return MALFORMED;
  const problem = claudeInvokeProblem(request, modelId);
  if (problem !== undefined) return problem;
  return {
    form: "invokeModel",
    request,
    inputTokens: countFakeTokens([request.system, request.messages, request.tools]),
  };
}

/** Claude's Bedrock ids (foundation model or inference profile); other models' bodies are theirs. */
const CLAUDE_ID = /(?:^|\.)anthropic\.claude/;

/**
 * The `anthropic_beta` flags Claude on Bedrock takes (AWS's list); any other flag fails the whole
 * request. Kept apart from the gateway's own list on purpose: the fake says what Bedrock says.
 */
const BEDROCK_FLAGS: ReadonlySet<string> = new Set([
  "computer-use-2024-10-22",
  "computer-use-2025-01-24",
  "compact-2026-01-12",
  "context-1m-2025-08-07",
  "context-management-2025-06-27",
  "dev-full-thinking-2025-05-14",
  "effort-2025-11-24",
  "fine-grained-tool-streaming-2025-05-14",
  "interleaved-thinking-2025-05-14",
  "mcp-client-2025-04-04",
  "mcp-client-2025-11-20",
  "model-context-window-exceeded-2025-08-26",
  "output-128k-2025-02-19",
  "pdfs-2024-09-25",
  "search-results-2025-06-09",
  "token-counting-2024-11-01",
  "token-efficient-tools-2025-02-19",
  "tool-search-tool-2025-10-19",
  "web-search-2025-03-05",
]);

/** Models with adaptive thinking and effort, as AWS's adaptive-thinking page lists them (Opus 4.5: effort only). */
const ADAPTIVE_MODEL =
  /claude-(?:opus|sonnet)-4-[6-9]|claude-(?:opus|sonnet|haiku)-5|claude-mythos|claude-fable/;
const EFFORT_MODEL = /claude-opus-4-5/;

/** What Bedrock would reject in Claude's InvokeModel body (the Messages schema it validates against). */
function claudeInvokeProblem(body: Record<string, unknown>, modelId: string): string | undefined {
  const problem = claudeInvokeSchemaProblem(body);
  if (problem !== undefined) return problem;
  const flags = (body.anthropic_beta ?? []) as string[];
  for (const flag of flags) if (!BEDROCK_FLAGS.has(flag)) return "invalid beta flag";
  for (const [i, message] of (body.messages as Record<string, unknown>[]).entries()) {
    if (message?.role !== "user" && message?.role !== "assistant") {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
  }
  if (body.context_management !== undefined && !flags.includes("context-management-2025-06-27")) {
    return "context_management: Extra inputs are not permitted";
  }
  const adaptive = ADAPTIVE_MODEL.test(modelId);
  if (isJsonObject(body.thinking) && body.thinking.type === "adaptive" && !adaptive) {
    return "adaptive thinking is not supported on this model";
  }
  if (body.output_config !== undefined) {
    if (!isJsonObject(body.output_config)) return "output_config: Input should be an object";
    for (const key of Object.keys(body.output_config)) {
      if (key !== "effort") return `output_config.${key}: Extra inputs are not permitted`;
    }
    if (!adaptive && !EFFORT_MODEL.test(modelId))
      return "output_config.effort: Extra inputs are not permitted";
  }
  return undefined;
}

/** The schema part of claudeInvokeProblem: keys, required members, types. */
function claudeInvokeSchemaProblem(body: Record<string, unknown>): string | undefined {
  const malformed = (detail: string) =>
    `Malformed input request: #${detail}, please reformat your input and try again.`;
  for (const key of Object.keys(body)) {
    if (!CLAUDE_INVOKE_FIELDS.has(key)) return malformed(`: extraneous key [${key}] is not permitted`);
  }
  for (const key of ["anthropic_version", "max_tokens", "messages"]) {
    if (!(key in body)) return malformed(`: required key [${key}] not found`);
  }
  if (body.anthropic_version !== "bedrock-2023-05-31") {
    return malformed(`/anthropic_version: ${String(body.anthropic_version)} is not a valid enum value`);
  }
  const maxTokens = body.max_tokens;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) {
    return malformed("/max_tokens: expected an integer of at least 1");
  }
  if (
    body.anthropic_beta !== undefined &&
    !(Array.isArray(body.anthropic_beta) && body.anthropic_beta.every((flag) => typeof flag === "string"))
  ) {
    return malformed("/anthropic_beta: expected type: JSONArray of strings");
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return malformed("/messages: expected minimum item count: 1");
  }
  const thinking = body.thinking;
  if (isJsonObject(thinking) && thinking.type === "enabled") {
    const budget = thinking.budget_tokens;
    if (!Number.isInteger(budget) || (budget as number) < 1024) {
      return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
    }
    if ((maxTokens as number) <= (budget as number)) {
      return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size";
    }
  }
  return undefined;
}

/**
 * Keys whose values are structure, not text a model reads: roles, block types, ids, formats, media
 * types, signatures, base64 data and cache marks. Leaving them out makes the count of one request the
 * same in its InvokeModel (Anthropic) and Converse forms.
 */
const STRUCTURAL_KEYS: ReadonlySet<string> = new Set([
  "role",
  "type",
  "id",
  "tool_use_id",
  "toolUseId",
  "format",
  "media_type",
  "signature",
  "data",
  "bytes",
  "status",
  "cache_control",
  "cachePoint",
]);

/**
 * The fake's tokenizer: one token per whitespace-separated word of every string in the counted parts
 * (system, messages, tools), keys and structural values left out. Deterministic, so tests can work a
 * count out by hand.
 */
function countFakeTokens(value: unknown): number {
  if (typeof value === "string") return value.match(/\S+/g)?.length ?? 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countFakeTokens(item), 0);
  if (!isJsonObject(value)) return 0;
  let sum = 0;
  for (const [key, item] of Object.entries(value))
    if (!STRUCTURAL_KEYS.has(key)) sum += countFakeTokens(item);
  return sum;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface BedrockBackendOptions {
  /** The AIServiceBackend schema; default AWSBedrock (Converse); { name: "AWSAnthropic" } for InvokeModel. */
  schema?: Record<string, unknown>;
  /** awsCredentials.region; default us-east-1 (the fake's default). */
  region?: string;
  /** Kept in a Secret as the `credentials` INI file (BackendSecurityPolicy awsCredentials.credentialsFile). */
  credentials?: FakeBedrockCredentials;
  /** credentialsFile.profile; the INI section the credentials are written under (default "default"). */
  profile?: string;
  /** credentialOverride.fromRequestHeaders. */
  override?: { header?: string; fallbackToConfigured?: boolean };
}

/**
 * Envoy AI Gateway YAML documents for an AIServiceBackend `name` served by `fake` (schema AWSBedrock
 * unless `options.schema` says otherwise): the Backend, the AIServiceBackend, and an AWSCredentials
 * BackendSecurityPolicy with its Secret.
 */
export function bedrockBackendDocs(
  name: string,
  fake: FakeBedrock,
  options: BedrockBackendOptions = {},
): Record<string, unknown>[] {
  const docs = serviceBackendDocs(name, `http://127.0.0.1:${fake.port}`, {
    schema: options.schema ?? { name: "AWSBedrock" },
  });
  const awsCredentials: Record<string, unknown> = { region: options.region ?? "us-east-1" };
  if (options.credentials !== undefined) {
    const profile = options.profile ?? "default";
    const { accessKeyId, secretAccessKey, sessionToken } = options.credentials;
    const ini = [
      `[${profile}]`,
      `aws_access_key_id = ${accessKeyId}`,
      `aws_secret_access_key = ${secretAccessKey}`,
      ...(sessionToken === undefined ? [] : [`aws_session_token = ${sessionToken}`]),
      "",
    ].join("\n");
    docs.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-aws`, namespace: "default" },
      type: "Opaque",
      stringData: { credentials: ini },
    });
    awsCredentials.credentialsFile = {
      secretRef: { name: `${name}-aws` },
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    };
  }
  docs.push({
    apiVersion: "aigateway.envoyproxy.io/v1beta1",
    kind: "BackendSecurityPolicy",
    metadata: { name: `${name}-aws`, namespace: "default" },
    spec: {
      targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name }],
      type: "AWSCredentials",
      awsCredentials,
      ...(options.override === undefined
        ? {}
        : { credentialOverride: { fromRequestHeaders: options.override } }),
    },
  });
  return docs;
}

import { createHash, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { encodeAwsEvent, encodeAwsException } from "./encode-aws-event.js";
import { type ReceivedRequest, startRecordingUpstream } from "./recording-upstream.js";

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
 *   (inside preludes and headers) and written in separate turns.
 */

export interface FakeBedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request the fake accepted, with what it understood of it. */
export interface FakeBedrockCall {
  operation: "converse" | "converse-stream" | "invoke" | "invoke-with-response-stream";
  /** The model id, percent-decoded from the path. */
  modelId: string;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  request: ReceivedRequest;
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
  /** The credentials it accepts (one set). */
  credentials: FakeBedrockCredentials;
  /** The region requests must be signed for; default us-east-1. */
  region?: string;
  /** The answer per call; the default answers every operation with a canned response. */
  answer?: (call: FakeBedrockCall) => FakeBedrockAnswer | Promise<FakeBedrockAnswer>;
}

export interface FakeBedrock {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  readonly port: number;
  /** Requests whose signature and shape were accepted, in arrival order. */
  readonly calls: FakeBedrockCall[];
  /** Every request received, accepted or not. */
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Byte counts the event stream is cut into, cycled; several cut inside the 12-byte prelude. */
const CHUNK_SIZES = [1, 5, 11, 2, 29, 7, 64, 3];

const Sha256 = Hash.bind(null, "sha256");
const PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;
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
    const signatureProblem = await checkSignature(req, options.credentials, region);
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
    const call: FakeBedrockCall = {
      operation,
      modelId: decodeURIComponent(path[1] as string),
      body,
      request: req,
    };
    calls.push(call);
    await send(res, await answer(call));
  });
  return {
    url: upstream.url,
    port: upstream.port,
    calls,
    requests: upstream.requests,
    close: () => upstream.close(),
  };
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
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    if (res.destroyed) return;
    const size = CHUNK_SIZES[i % CHUNK_SIZES.length] as number;
    res.write(bytes.subarray(offset, offset + size));
    offset += size;
    // A turn between writes so the pieces leave separately and the gateway's decoder sees the cuts.
    await nextTurn();
  }
  res.end();
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

/** Recomputes the request's SigV4 signature as AWS does; returns the AWS error when it does not match. */
async function checkSignature(
  req: ReceivedRequest,
  expected: FakeBedrockCredentials,
  region: string,
): Promise<{ type: string; message: string } | undefined> {
  const auth = AUTHORIZATION.exec(String(req.headers.authorization ?? ""));
  if (auth === null)
    return { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
  const [, accessKeyId, date, signedRegion, service, signedHeaderList, signature] =
    auth as unknown as string[];
  if (accessKeyId !== expected.accessKeyId) {
    return {
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (signedRegion !== region || service !== "bedrock") {
    return {
      type: "InvalidSignatureException",
      message: `Credential should be scoped to a valid region and service 'bedrock', not '${signedRegion}/${service}'.`,
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
  const signer = new SignatureV4({ service: "bedrock", region, credentials: expected, sha256: Sha256 });
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

/** What Bedrock's request validation would reject in a Converse body, if anything. */
function converseProblem(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body)) {
    if (!CONVERSE_FIELDS.has(key)) return `Malformed input request: extraneous key [${key}] is not permitted`;
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

export interface BedrockBackendOptions {
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
 * Envoy AI Gateway YAML documents for an AWSBedrock AIServiceBackend `name` served by `fake`: the
 * Backend, the AIServiceBackend, and an AWSCredentials BackendSecurityPolicy with its Secret.
 */
export function bedrockBackendDocs(
  name: string,
  fake: FakeBedrock,
  options: BedrockBackendOptions = {},
): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [
    {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "Backend",
      metadata: { name, namespace: "default" },
      spec: { endpoints: [{ ip: { address: "127.0.0.1", port: fake.port } }] },
    },
    {
      apiVersion: "aigateway.envoyproxy.io/v1beta1",
      kind: "AIServiceBackend",
      metadata: { name, namespace: "default" },
      spec: {
        schema: { name: "AWSBedrock" },
        backendRef: { name, kind: "Backend", group: "gateway.envoyproxy.io" },
      },
    },
  ];
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

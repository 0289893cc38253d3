import type { ServerResponse } from "node:http";
import { responsesRequestProblem, sendInputTokensAnswer, sendResponsesAnswer } from "./fake-responses-api.js";
import { serviceBackendDocs } from "./gateway-yaml.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
  writeInPieces,
} from "./recording-upstream.js";

/**
 * A fake Azure OpenAI resource on 127.0.0.1, strict where the gateway can get Azure wrong:
 * - paths: `/openai/deployments/<deployment>/chat/completions|completions|embeddings` and
 *   `/openai/responses[/input_tokens]`, each with `?api-version=<the configured version>`; a missing
 *   or other version, or another path, gets Azure's 404 `Resource not found`;
 * - authentication: the `api-key` header equal to the configured key, or `Authorization: Bearer
 *   <token>` with a token `acceptsToken` accepts (the fake Entra's); else Azure's 401;
 * - deployments: only the configured ones exist (Azure's 404 `DeploymentNotFound` otherwise); the
 *   Responses API takes its deployment from the body's `model`, the others from the path (the body's
 *   model is ignored, as Azure ignores it);
 * - answers as Azure sends them: `prompt_filter_results` and per-choice `content_filter_results`,
 *   a chat stream that opens with a chunk of no choices and an empty model, usage in a stream only
 *   when `stream_options.include_usage` asks; a user message containing "filter me" gets Azure's 400
 *   `content_filter` error.
 */

export interface FakeAzureOptions {
  apiVersion: string;
  /** deployment name -> the model it runs (what answers report as `model`). */
  deployments: Record<string, string>;
  apiKey?: string;
  acceptsToken?: (token: string) => boolean;
}

export interface FakeAzureCall {
  operation: "chat" | "completions" | "embeddings" | "images" | "responses" | "input_tokens";
  deployment: string;
  auth: "api-key" | "bearer";
  body: Record<string, unknown>;
  request: ReceivedRequest;
}

export type FakeAzureOpenAI = FakeUpstream<FakeAzureCall>;

export const AZURE_CHAT_TEXT_PIECES: readonly string[] = ["Bonjour", " from", " Azure."];
export const AZURE_CHAT_TEXT = AZURE_CHAT_TEXT_PIECES.join("");
export const AZURE_CHAT_USAGE = {
  prompt_tokens: 19,
  completion_tokens: 7,
  total_tokens: 26,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 0 },
} as const;
export const AZURE_COMPLETION_TEXT = " a time";
export const AZURE_COMPLETION_USAGE = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } as const;
export const AZURE_EMBEDDING: readonly number[] = [0.5, -0.25, 0.125];
/** A gpt-image deployment's answer: base64 image bytes and token usage. */
export const AZURE_IMAGE_B64 = Buffer.from("not really a png").toString("base64");
export const AZURE_IMAGE_USAGE = {
  input_tokens: 11,
  output_tokens: 272,
  total_tokens: 283,
  input_tokens_details: { text_tokens: 11, image_tokens: 0 },
} as const;
export const AZURE_EMBEDDING_USAGE = { prompt_tokens: 3, total_tokens: 3 } as const;

const DEPLOYMENT_PATH =
  /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings|images\/generations)$/;
const OPERATIONS = {
  "chat/completions": "chat",
  completions: "completions",
  embeddings: "embeddings",
  "images/generations": "images",
} as const;
const NOT_FILTERED = {
  hate: { filtered: false, severity: "safe" },
  self_harm: { filtered: false, severity: "safe" },
  sexual: { filtered: false, severity: "safe" },
  violence: { filtered: false, severity: "safe" },
};

export async function startFakeAzureOpenAI(options: FakeAzureOptions): Promise<FakeAzureOpenAI> {
  const calls: FakeAzureCall[] = [];
  const upstream = await startRecordingUpstream(async (req, res) => {
    const url = new URL(req.url, "http://fake-azure");
    const auth = authenticate(req, options);
    if (auth === undefined) {
      return azureError(res, 401, {
        code: "401",
        message:
          "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      });
    }
    const match = DEPLOYMENT_PATH.exec(url.pathname);
    const operation = match
      ? OPERATIONS[match[2] as keyof typeof OPERATIONS]
      : url.pathname === "/openai/responses"
        ? "responses"
        : url.pathname === "/openai/responses/input_tokens"
          ? "input_tokens"
          : undefined;
    if (
      req.method !== "POST" ||
      operation === undefined ||
      url.searchParams.get("api-version") !== options.apiVersion ||
      [...url.searchParams.keys()].length !== 1
    ) {
      return azureError(res, 404, { code: "404", message: "Resource not found" });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return azureError(res, 400, { code: "BadRequest", message: "Invalid JSON body." });
    }
    const deployment = match ? decodeURIComponent(match[1]!) : String(body.model ?? "");
    const model = options.deployments[deployment];
    if (model === undefined) {
      return azureError(res, 404, {
        code: "DeploymentNotFound",
        message:
          "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
      });
    }
    const problem = requestProblem(operation, body);
    if (problem !== undefined)
      return azureError(res, 400, { code: null, message: problem, type: "invalid_request_error" });
    if (operation === "chat" && JSON.stringify(body.messages).includes("filter me"))
      return contentFilter(res);
    calls.push({ operation, deployment, auth, body, request: req });
    switch (operation) {
      case "chat":
        return chat(res, body, model);
      case "completions":
        return completions(res, body, model);
      case "embeddings":
        return sendJson(res, {
          object: "list",
          data: [{ object: "embedding", index: 0, embedding: embeddingOf(body) }],
          model,
          usage: AZURE_EMBEDDING_USAGE,
        });
      case "images":
        return sendJson(res, {
          created: 1_733_000_000,
          data: [
            {
              b64_json: AZURE_IMAGE_B64,
              revised_prompt: String(body.prompt),
              content_filter_results: NOT_FILTERED,
            },
          ],
          prompt_filter_results: [{ prompt_index: 0, content_filter_results: NOT_FILTERED }],
          usage: AZURE_IMAGE_USAGE,
        });
      case "input_tokens":
        return sendInputTokensAnswer(res, body);
      case "responses":
        return sendResponsesAnswer(res, body);
    }
  });
  return withCalls(upstream, calls);
}

function authenticate(req: ReceivedRequest, options: FakeAzureOptions): "api-key" | "bearer" | undefined {
  const key = req.headers["api-key"];
  if (key !== undefined)
    return options.apiKey !== undefined && key === options.apiKey ? "api-key" : undefined;
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (bearer !== undefined && options.acceptsToken?.(bearer)) return "bearer";
  return undefined;
}

function requestProblem(
  operation: FakeAzureCall["operation"],
  body: Record<string, unknown>,
): string | undefined {
  switch (operation) {
    case "chat":
      return Array.isArray(body.messages) && body.messages.length > 0
        ? undefined
        : "'messages' is a required property";
    case "completions":
      return body.prompt === undefined ? "'prompt' is a required property" : undefined;
    case "embeddings":
      return body.input === undefined ? "'input' is a required property" : undefined;
    case "images":
      return typeof body.prompt !== "string" ? "'prompt' is a required property" : undefined;
    case "responses":
      return responsesRequestProblem(body, true);
    case "input_tokens":
      return responsesRequestProblem(body, false);
  }
}

function chat(res: ServerResponse, body: Record<string, unknown>, model: string): Promise<void> | void {
  const base = { id: "chatcmpl-azure-1", created: 1_733_000_000, model, system_fingerprint: "fp_azure" };
  if (body.stream !== true) {
    return sendJson(res, {
      ...base,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          finish_reason: "stop",
          logprobs: null,
          message: { role: "assistant", content: AZURE_CHAT_TEXT, refusal: null },
          content_filter_results: NOT_FILTERED,
        },
      ],
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: NOT_FILTERED }],
      usage: AZURE_CHAT_USAGE,
    });
  }
  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    ...base,
    object: "chat.completion.chunk",
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const chunks: unknown[] = [
    // Azure's first chunk: no choices, no model, the prompt's filter results.
    {
      id: "",
      object: "",
      created: 0,
      model: "",
      choices: [],
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: NOT_FILTERED }],
    },
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }]),
    ...AZURE_CHAT_TEXT_PIECES.map((content) =>
      chunk([
        {
          index: 0,
          delta: { content },
          finish_reason: null,
          logprobs: null,
          content_filter_results: NOT_FILTERED,
        },
      ]),
    ),
    chunk([{ index: 0, delta: {}, finish_reason: "stop", logprobs: null, content_filter_results: {} }]),
  ];
  if (includeUsage) chunks.push(chunk([], { usage: AZURE_CHAT_USAGE }));
  return sendStream(res, chunks);
}

function completions(
  res: ServerResponse,
  body: Record<string, unknown>,
  model: string,
): Promise<void> | void {
  const base = { id: "cmpl-azure-1", object: "text_completion", created: 1_733_000_000, model };
  const choice = { text: AZURE_COMPLETION_TEXT, index: 0, finish_reason: "stop", logprobs: null };
  if (body.stream !== true) {
    return sendJson(res, {
      ...base,
      choices: [{ ...choice, content_filter_results: NOT_FILTERED }],
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: NOT_FILTERED }],
      usage: AZURE_COMPLETION_USAGE,
    });
  }
  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const chunks: unknown[] = [{ ...base, choices: [choice] }];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: AZURE_COMPLETION_USAGE });
  return sendStream(res, chunks);
}

function embeddingOf(body: Record<string, unknown>): readonly number[] | string {
  return body.encoding_format === "base64"
    ? Buffer.from(new Float32Array(AZURE_EMBEDDING).buffer).toString("base64")
    : AZURE_EMBEDDING;
}

function contentFilter(res: ServerResponse): void {
  res.writeHead(400, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror: {
          code: "ResponsibleAIPolicyViolation",
          content_filter_result: { ...NOT_FILTERED, violence: { filtered: true, severity: "medium" } },
        },
      },
    }),
  );
}

function azureError(
  res: ServerResponse,
  status: number,
  error: { code: string | null; message: string; type?: string },
): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error }));
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function sendStream(res: ServerResponse, chunks: readonly unknown[]): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  const text = `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("")}data: [DONE]\n\n`;
  await writeInPieces(res, Buffer.from(text), [5, 90, 1, 33, 200]);
}

export interface AzureBackendOptions {
  /** schema.version; omitted when undefined. */
  version?: string;
  /** An AzureAPIKey policy with this key. */
  apiKey?: string;
  /** An AzureCredentials policy (client secret in a Secret). */
  entra?: { tenantID: string; clientID: string; clientSecret: string };
  /** credentialOverride.fromRequestHeaders on the policy. */
  override?: { header?: string; fallbackToConfigured?: boolean };
}

/** An AzureOpenAI-schema AIServiceBackend `name` at `upstreamUrl`, with its credential policy. */
export function azureBackendDocs(
  name: string,
  upstreamUrl: string,
  options: AzureBackendOptions,
): Record<string, unknown>[] {
  const docs = serviceBackendDocs(name, upstreamUrl, {
    schema:
      options.version === undefined
        ? { name: "AzureOpenAI" }
        : { name: "AzureOpenAI", version: options.version },
  });
  const policy = (spec: Record<string, unknown>) => ({
    apiVersion: "aigateway.envoyproxy.io/v1beta1",
    kind: "BackendSecurityPolicy",
    metadata: { name: `${name}-credentials`, namespace: "default" },
    spec: {
      targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name }],
      ...spec,
      ...(options.override ? { credentialOverride: { fromRequestHeaders: options.override } } : {}),
    },
  });
  const secret = (data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-secret`, namespace: "default" },
    type: "Opaque",
    stringData: data,
  });
  if (options.apiKey !== undefined) {
    docs.push(secret({ apiKey: options.apiKey }));
    docs.push(policy({ type: "AzureAPIKey", azureAPIKey: { secretRef: { name: `${name}-secret` } } }));
  }
  if (options.entra !== undefined) {
    docs.push(secret({ "client-secret": options.entra.clientSecret }));
    docs.push(
      policy({
        type: "AzureCredentials",
        azureCredentials: {
          clientID: options.entra.clientID,
          tenantID: options.entra.tenantID,
          clientSecretRef: { name: `${name}-secret` },
        },
      }),
    );
  }
  return docs;
}

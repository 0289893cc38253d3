import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { emptyUsage, type TokenUsage } from "../../src/usage/token-usage.js";
import { expectedUsage, type OpenAIUsage } from "./expected-usage.js";
import { sseJsonChunks } from "./sse-events.js";

/**
 * The 43 OpenAI interactions recorded by Envoy AI Gateway's test suite (go-vcr v2 YAML), read from
 * ../shared/conformance beside the checkout (README there). Tests replay them through the gateway.
 */
export const CASSETTES_DIR = join(
  findCheckoutRoot(),
  "..",
  "shared",
  "conformance",
  "envoy-ai-gateway",
  "tests",
  "internal",
  "testopenai",
  "cassettes",
);

export interface RecordedRequest {
  method: string;
  /** The full recorded URL, e.g. "https://api.openai.com/v1/chat/completions". */
  url: string;
  /** Path and query of `url`; go-vcr keeps the query in `form` for some recordings. */
  path: string;
  /** Header name as recorded -> values. */
  headers: Record<string, string[]>;
  /** The exact bytes sent (multipart bodies were not recorded: "[multipart form data omitted]"). */
  body: string;
}

export interface RecordedResponse {
  status: number;
  headers: Record<string, string[]>;
  contentType: string;
  /** The exact bytes received; SSE bodies verbatim. */
  body: string;
}

export interface Interaction {
  request: RecordedRequest;
  response: RecordedResponse;
}

export interface Cassette {
  /** File name without ".yaml", e.g. "chat-basic". */
  name: string;
  interactions: Interaction[];
}

export function listCassetteNames(): string[] {
  return readdirSync(CASSETTES_DIR)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.slice(0, -".yaml".length))
    .sort();
}

export function loadCassette(name: string): Cassette {
  const doc = parse(readFileSync(join(CASSETTES_DIR, `${name}.yaml`), "utf8")) as {
    interactions: {
      request: {
        method: string;
        url: string;
        headers?: Record<string, string[]>;
        body: string;
        form?: Record<string, string[]>;
      };
      response: { code: number; headers?: Record<string, string[]>; body: string };
    }[];
  };
  return {
    name,
    interactions: doc.interactions.map(({ request, response }) => {
      const url = new URL(request.url);
      for (const [key, values] of Object.entries(request.form ?? {})) {
        for (const value of values) url.searchParams.append(key, value);
      }
      const responseHeaders = response.headers ?? {};
      return {
        request: {
          method: request.method,
          url: request.url,
          path: url.pathname + url.search,
          headers: request.headers ?? {},
          body: request.body,
        },
        response: {
          status: response.code,
          headers: responseHeaders,
          contentType: headerValue(responseHeaders, "content-type") ?? "",
          body: response.body,
        },
      };
    }),
  };
}

export function loadAllCassettes(): Cassette[] {
  return listCassetteNames().map(loadCassette);
}

export function isEventStream(response: RecordedResponse): boolean {
  return response.contentType.startsWith("text/event-stream");
}

/**
 * The usage the gateway must count for a recorded interaction, from the recording's own `usage`
 * (for streams: the last chunk that carries one). Errors count nothing, and so do answers without usage.
 */
export function recordedUsage(interaction: Interaction): TokenUsage {
  const { response } = interaction;
  if (response.status >= 400) return emptyUsage();
  const usage = isEventStream(response)
    ? sseJsonChunks(response.body)
        .map((chunk) => chunk["usage"])
        .filter((u) => u !== null && u !== undefined)
        .at(-1)
    : (JSON.parse(response.body) as Record<string, unknown>)["usage"];
  if (usage === null || usage === undefined) return emptyUsage();
  return expectedUsage(usage as OpenAIUsage);
}

/** The model the upstream reported: the body's `model`, for streams the last chunk's. */
export function recordedResponseModel(interaction: Interaction): string | undefined {
  const { response } = interaction;
  if (response.status >= 400) return undefined;
  const models = isEventStream(response)
    ? sseJsonChunks(response.body).map((chunk) => chunk["model"])
    : [(JSON.parse(response.body) as Record<string, unknown>)["model"]];
  const last = models.filter((m): m is string => typeof m === "string" && m !== "").at(-1);
  return last;
}

function headerValue(headers: Record<string, string[]>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1][0];
}

/** The directory holding package.json, found upward from this file (works from test/ and dist/test/). */
function findCheckoutRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cassettes: no package.json above the test support directory");
    dir = parent;
  }
  return dir;
}

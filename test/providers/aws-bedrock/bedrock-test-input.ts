import type {
  ResponseContext,
  ResponseTranslator,
  TranslateRequestInput,
  Translator,
} from "../../../src/providers/translator.js";

/** The model bedrockContext asks for unless told otherwise. */
export const BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

/** A TranslateRequestInput for an AWSBedrock backend, as the gateway builds it. */
export function bedrockInput(
  body: Record<string, unknown>,
  options: { model?: string; stream?: boolean } = {},
): TranslateRequestInput {
  const raw = Buffer.from(JSON.stringify(body));
  const model = options.model ?? String(body.model);
  return {
    body,
    raw,
    model,
    modelOverridden: model !== body.model,
    stream: options.stream ?? body.stream === true,
    forceIncludeUsage: false,
    schema: { name: "AWSBedrock" },
    headers: { "content-type": "application/json" },
  };
}

/** Response headers as Bedrock sends them (undici lower-cases names). */
export const BEDROCK_HEADERS = {
  "x-amzn-requestid": "5d1c3b5e-8f0a-4c7e-9d6b-2a1f0e3c4b5a",
  date: "Sun, 22 Nov 2026 03:50:00 GMT",
  "content-type": "application/json",
};

/** Unix seconds of BEDROCK_HEADERS.date. */
export const BEDROCK_DATE_SECONDS = Date.UTC(2026, 10, 22, 3, 50, 0) / 1000;

export function bedrockContext(
  status: number,
  options: {
    stream?: boolean;
    model?: string;
    headers?: Record<string, string>;
    body?: Record<string, unknown>;
  } = {},
): ResponseContext {
  const model = options.model ?? BEDROCK_MODEL;
  return {
    status,
    headers: options.headers ?? {
      ...BEDROCK_HEADERS,
      "content-type": options.stream ? "application/vnd.amazon.eventstream" : "application/json",
    },
    requestModel: model,
    stream: options.stream ?? false,
    request: bedrockInput(options.body ?? { model }, { model, stream: options.stream ?? false }),
  };
}

/** The headers of a JSON error answer from Bedrock: x-amzn-errortype is `<type>:<coral namespace>`. */
export function bedrockErrorHeaders(errorType: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-amzn-errortype": `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  };
}

/** What `translator` sends Bedrock for a client body: the path and the parsed JSON body. */
export function bedrockRequest(
  translator: Translator,
  body: Record<string, unknown>,
  options: { model?: string; stream?: boolean } = {},
) {
  const out = translator.request(bedrockInput(body, options));
  return { path: out.path, body: JSON.parse(String(out.body)) as Record<string, unknown> };
}

/**
 * Feeds `bytes` cut at `cuts` through a fresh streaming response of `translator`; returns the client
 * body and the response translator.
 */
export function runBedrockStream(
  translator: Translator,
  bytes: Buffer,
  cuts: number[] = [],
): { out: string; translator: ResponseTranslator } {
  const response = translator.response(bedrockContext(200, { stream: true }));
  let out = "";
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += response.chunk(bytes.subarray(from, cut)) ?? "";
    from = cut;
  }
  out += response.end() ?? "";
  return { out, translator: response };
}

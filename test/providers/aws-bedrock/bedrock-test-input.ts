import type { ResponseContext, TranslateRequestInput } from "../../../src/providers/translator.js";

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
  const model = options.model ?? "anthropic.claude-3-5-sonnet-20240620-v1:0";
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

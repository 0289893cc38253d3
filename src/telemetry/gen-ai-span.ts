import { type Attributes, type Span, SpanKind } from "@opentelemetry/api";
import { inputMessagesOf, outputMessagesOf } from "./span-content.js";
import type { SpanLayout } from "./span-layout.js";

/** Request parameters and the gen_ai.request.* attribute each one is. */
const PARAMETERS: readonly (readonly [string, string])[] = [
  ["temperature", "gen_ai.request.temperature"],
  ["top_p", "gen_ai.request.top_p"],
  ["top_k", "gen_ai.request.top_k"],
  ["max_tokens", "gen_ai.request.max_tokens"],
  ["max_completion_tokens", "gen_ai.request.max_tokens"],
  ["frequency_penalty", "gen_ai.request.frequency_penalty"],
  ["presence_penalty", "gen_ai.request.presence_penalty"],
  ["seed", "gen_ai.request.seed"],
  ["n", "gen_ai.request.choice.count"],
];

/**
 * The OpenTelemetry GenAI semantic conventions: span kind CLIENT, named `<operation> <model>`, with
 * `gen_ai.*` attributes; message content only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
 * as JSON in the conventions' message shape.
 */
export const genAiLayout: SpanLayout = {
  kind: SpanKind.CLIENT,
  nameAtStart: (operation) => operation,
  finish(span: Span, { record, body, output, content }) {
    const model = record.requestModel ?? record.originalModel;
    if (model !== undefined) span.updateName(`${record.operation} ${model}`);
    const a: Attributes = { "gen_ai.operation.name": record.operation };
    if (record.provider) a["gen_ai.provider.name"] = record.provider;
    if (record.requestModel ?? record.originalModel)
      a["gen_ai.request.model"] = record.requestModel ?? record.originalModel;
    if (record.responseModel) a["gen_ai.response.model"] = record.responseModel;
    const u = record.usage;
    if (u.totalTokens > 0 || u.inputTokens > 0) {
      a["gen_ai.usage.input_tokens"] = u.inputTokens;
      a["gen_ai.usage.output_tokens"] = u.outputTokens;
      if (u.cachedInputTokens > 0) a["gen_ai.usage.cache_read.input_tokens"] = u.cachedInputTokens;
      if (u.cacheCreationInputTokens > 0)
        a["gen_ai.usage.cache_creation.input_tokens"] = u.cacheCreationInputTokens;
    }
    if (body) {
      for (const [key, attribute] of PARAMETERS) {
        const value = body[key];
        if (typeof value === "number") a[attribute] = value;
      }
      const stop = body.stop ?? body.stop_sequences;
      if (typeof stop === "string") a["gen_ai.request.stop_sequences"] = [stop];
      else if (Array.isArray(stop))
        a["gen_ai.request.stop_sequences"] = stop.filter((s) => typeof s === "string");
    }
    const outputs = output !== undefined ? outputMessagesOf(record.api, record.stream, output) : undefined;
    const reasons = outputs?.flatMap((m) => (m.finishReason ? [m.finishReason] : []));
    if (reasons && reasons.length > 0) a["gen_ai.response.finish_reasons"] = reasons;
    if (body && content.inputs) {
      const messages = inputMessagesOf(record.api, body);
      const system = messages.filter((m) => m.role === "system" || m.role === "developer");
      const rest = messages.filter((m) => m.role !== "system" && m.role !== "developer");
      if (system.length > 0) {
        a["gen_ai.system_instructions"] = JSON.stringify(
          system.map((m) => ({ type: "text", content: m.text })),
        );
      }
      a["gen_ai.input.messages"] = JSON.stringify(
        rest.map((m) => ({ role: m.role, parts: [{ type: "text", content: m.text }] })),
      );
    }
    if (outputs && content.outputs) {
      a["gen_ai.output.messages"] = JSON.stringify(
        outputs.map((m) => ({
          role: m.role,
          parts: [{ type: "text", content: m.text }],
          ...(m.finishReason ? { finish_reason: m.finishReason } : {}),
        })),
      );
    }
    span.setAttributes(a);
  },
};

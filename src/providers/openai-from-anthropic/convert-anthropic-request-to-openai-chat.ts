import { convertAnthropicMessagesToOpenAI } from "./convert-anthropic-messages-to-openai.js";
import { convertAnthropicToolsToOpenAI } from "./convert-anthropic-tools-to-openai.js";

/**
 * An Anthropic Messages request -> an OpenAI chat completion request for `model`.
 * max_tokens -> max_completion_tokens, stop_sequences -> stop, metadata.user_id -> user,
 * output_config.effort -> reasoning_effort, an output_config JSON schema -> response_format.
 * A stream asks for `stream_options.include_usage`, the only way an OpenAI stream reports usage.
 * Anthropic-only settings (thinking, top_k, service_tier, container, ...) are left out: OpenAI
 * rejects parameters it does not know.
 */
export function convertAnthropicRequestToOpenAIChat(
  body: Record<string, unknown>,
  model: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model,
    messages: convertAnthropicMessagesToOpenAI(body.system, body.messages),
  };
  if (typeof body.max_tokens === "number") out.max_completion_tokens = body.max_tokens;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (typeof body.temperature === "number") out.temperature = body.temperature;
  if (typeof body.top_p === "number") out.top_p = body.top_p;

  const tools = convertAnthropicToolsToOpenAI(body.tools, body.tool_choice);
  if (tools) {
    out.tools = tools.tools;
    if (tools.toolChoice !== undefined) out.tool_choice = tools.toolChoice;
    if (tools.parallelToolCalls === false) out.parallel_tool_calls = false;
  }

  const metadata = body.metadata as { user_id?: unknown } | undefined;
  if (typeof metadata?.user_id === "string" && metadata.user_id !== "") out.user = metadata.user_id;

  const outputConfig = body.output_config as
    | { effort?: unknown; format?: { type?: unknown; schema?: unknown } }
    | undefined;
  if (typeof outputConfig?.effort === "string") out.reasoning_effort = outputConfig.effort;
  if (outputConfig?.format?.type === "json_schema") {
    out.response_format = {
      type: "json_schema",
      json_schema: { name: "output", schema: outputConfig.format.schema, strict: true },
    };
  }

  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/**
 * OpenAI chat completion streams in the format the recorded cassettes show (service_tier,
 * system_fingerprint, obfuscation padding, a final usage chunk with choices: []), and a chat tool.
 */

/** A function tool as chat requests define it; anthropicCityWeatherTool is the same tool for Messages. */
export const openAICityWeatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const head =
  '"id":"chatcmpl-C4Hq5toolstream","object":"chat.completion.chunk","created":1755137921,"model":"gpt-5-nano-2025-08-07","service_tier":"default","system_fingerprint":null';

function chunk(choice: string, extra = ""): string {
  return `data: {${head},"choices":[${choice}]${extra},"obfuscation":"x1"}\n\n`;
}

/** Text, then two parallel tool calls whose arguments arrive in pieces, then usage and [DONE]. */
export const openAIToolStream =
  chunk('{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}') +
  chunk('{"index":0,"delta":{"content":"Let me look."},"finish_reason":null}') +
  chunk(
    '{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}',
  ) +
  chunk(
    '{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}',
  ) +
  chunk(
    '{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}',
  ) +
  chunk(
    '{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},"finish_reason":null}',
  ) +
  chunk('{"index":0,"delta":{},"finish_reason":"tool_calls"}') +
  chunk(
    "",
    ',"usage":{"prompt_tokens":162,"completion_tokens":219,"total_tokens":381,"prompt_tokens_details":{"cached_tokens":128,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}',
  ) +
  "data: [DONE]\n\n";

/** A reasoning model served by vLLM: reasoning_content deltas before the answer, no usage asked. */
export const openAIReasoningStream =
  'data: {"id":"chatcmpl-vllm1","object":"chat.completion.chunk","created":1755137921,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-vllm1","object":"chat.completion.chunk","created":1755137921,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"reasoning_content":"Think: 2+2."},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-vllm1","object":"chat.completion.chunk","created":1755137921,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"content":"4"},"logprobs":null,"finish_reason":null}]}\n\n' +
  'data: {"id":"chatcmpl-vllm1","object":"chat.completion.chunk","created":1755137921,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}\n\n' +
  "data: [DONE]\n\n";

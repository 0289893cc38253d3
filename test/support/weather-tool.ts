import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";

/**
 * The tool the SDK tests offer, in each SDK's shape. The fakes answer with a call of the first tool
 * offered (see FAKE_CLAUDE_TOOL_INPUT and FAKE_TOOL_ARGUMENTS: a location, Paris).
 */
export const anthropicWeatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather for a place",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

export const openAIWeatherTool: OpenAI.Chat.Completions.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a place",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type OpenAI from "openai";
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from "openai/resources/chat/completions";
import type { RunningSimulator } from "../../src/sim/start-simulator.js";
import { startSimWithClient } from "./sim-client.js";

const tools: ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_current_weather",
      parameters: {
        type: "object",
        properties: {
          location: { type: "string" },
          unit: { type: "string", enum: ["celsius", "fahrenheit"] },
          days: { type: "integer" },
        },
        required: ["location", "unit"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "book_table",
      parameters: {
        type: "object",
        properties: { guests: { type: "number" }, tags: { type: "array", items: { type: "string" } } },
      },
    },
  },
];
const messages = [{ role: "user" as const, content: "What's the weather in Boston?" }];

describe("simulator tool calls", () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  before(async () => ({ sim, client } = await startSimWithClient()));
  after(() => sim.close());

  /** A chat request for the tools with this tool_choice. */
  const ask = (tool_choice: ChatCompletionToolChoiceOption) =>
    client.chat.completions.create({ model: "m", messages, tools, tool_choice });

  it("calls the first function when tool_choice is required, with schema-shaped arguments", async () => {
    const completion = await ask("required");
    const [choice] = completion.choices;
    assert.equal(choice?.finish_reason, "tool_calls");
    assert.equal(choice?.message.content, null);
    const [call] = choice?.message.tool_calls ?? [];
    assert.equal(call?.type, "function");
    assert.match(call?.id ?? "", /^call_/);
    if (call?.type !== "function") throw new Error("expected a function call");
    assert.equal(call.function.name, "get_current_weather");
    const args = JSON.parse(call.function.arguments);
    assert.deepEqual(Object.keys(args).sort(), ["location", "unit"]);
    assert.equal(typeof args.location, "string");
    assert.equal(args.unit, "celsius");
    assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
  });

  it("calls the named function, filling every property when none is required", async () => {
    const completion = await ask({ type: "function", function: { name: "book_table" } });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    assert.equal(call.function.name, "book_table");
    assert.deepEqual(JSON.parse(call.function.arguments), { guests: 1, tags: ["sample tags"] });
  });

  it("answers in text when tool_choice is auto", async () => {
    const completion = await ask("auto");
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.equal(completion.choices[0]?.message.tool_calls, undefined);
    assert.ok(completion.choices[0]?.message.content);
  });

  it("streams the call as tool_call deltas that reassemble into valid JSON arguments", async () => {
    const stream = await client.chat.completions.create({
      model: "m",
      messages,
      tools,
      tool_choice: "required",
      stream: true,
    });
    let id = "";
    let name = "";
    let args = "";
    let deltas = 0;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const call of choice?.delta.tool_calls ?? []) {
        assert.equal(call.index, 0);
        deltas++;
        id += call.id ?? "";
        name += call.function?.name ?? "";
        args += call.function?.arguments ?? "";
      }
      finish = choice?.finish_reason ?? finish;
    }
    assert.match(id, /^call_/);
    assert.equal(name, "get_current_weather");
    assert.ok(deltas > 2, "arguments arrive in several deltas");
    assert.deepEqual(Object.keys(JSON.parse(args)).sort(), ["location", "unit"]);
    assert.equal(finish, "tool_calls");
  });

  it("the stream helper of the SDK assembles the same call", async () => {
    const runner = client.chat.completions.stream({ model: "m", messages, tools, tool_choice: "required" });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    assert.equal(call.function.name, "get_current_weather");
    assert.equal(JSON.parse(call.function.arguments).unit, "celsius");
  });
});

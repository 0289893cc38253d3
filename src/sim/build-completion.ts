import { answerText, answerToken } from "./canned-answer.js";
import { promptItems } from "./estimate-prompt-tokens.js";
import { completionUsage } from "./openai-usage.js";
import { readGenerationFields } from "./request-fields.js";
import { completionId } from "./response-ids.js";
import {
  invalidRequest,
  isErrorAnswer,
  MISSING_MODEL,
  missingParameter,
  type SimAnswer,
} from "./sim-answer.js";

/**
 * POST /v1/completions (legacy text completions): `n` choices per prompt, choice index
 * prompt * n + i. In streams the last text chunk of a choice carries its finish_reason and usage
 * follows in a chunk with no choices, as OpenAI sends them.
 */
export function buildCompletion(body: Record<string, unknown>, outputTokens: number): SimAnswer {
  const model = body["model"];
  if (typeof model !== "string" || model === "") return MISSING_MODEL;
  if (body["prompt"] === undefined) return missingParameter("prompt");
  const prompts = promptItems(body["prompt"]);
  if (!prompts) return invalidRequest("Invalid value for 'prompt'.", "prompt", "invalid_value");
  const fields = readGenerationFields(body, outputTokens, ["max_tokens"]);
  if (isErrorAnswer(fields)) return fields;

  const { tokens, finishReason } = fields;
  const choiceCount = prompts.length * fields.choices;
  const promptTokens = prompts.reduce((sum, item) => sum + item.tokens, 0);
  const completionTokens = tokens * choiceCount;
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const modelJson = JSON.stringify(model);
  const usage = completionUsage(promptTokens, completionTokens);
  const accounting = { promptTokens, outputTokens: completionTokens, finishReason };

  if (!fields.stream) {
    const text = answerText(tokens);
    const choices = [];
    for (let index = 0; index < choiceCount; index++) {
      choices.push({ text, index, logprobs: null, finish_reason: finishReason });
    }
    const json = JSON.stringify({ id, object: "text_completion", created, model, choices, usage });
    return { kind: "json", body: json, steps: tokens, ...accounting };
  }

  const head = `data: {"id":"${id}","object":"text_completion","created":${created},"choices":[`;
  const tail = fields.includeUsage
    ? `],"model":${modelJson},"usage":null}\n\n`
    : `],"model":${modelJson}}\n\n`;
  const frames: string[] = [];
  for (let k = 0; k < tokens; k++) {
    const finish = k === tokens - 1 ? `"${finishReason}"` : "null";
    const text = JSON.stringify(answerToken(k));
    let frame = "";
    for (let index = 0; index < choiceCount; index++) {
      frame += `${head}{"text":${text},"index":${index},"logprobs":null,"finish_reason":${finish}}${tail}`;
    }
    frames.push(frame);
  }
  if (fields.includeUsage) {
    frames[frames.length - 1] +=
      `data: {"id":"${id}","object":"text_completion","created":${created},"model":${modelJson},"usage":${JSON.stringify(usage)},"choices":[]}\n\n`;
  }
  frames[frames.length - 1] += "data: [DONE]\n\n";
  return { kind: "stream", frames, ...accounting };
}

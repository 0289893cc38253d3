import { openAIStreamErrorEvent } from "../../api/openai-error.js";
import type { TokenUsage } from "../../usage/token-usage.js";
import { SseReader } from "../../util/sse-reader.js";
import { refuseDeepAnswer } from "../json-depth-limit.js";
import { UpstreamProtocolError } from "../translator.js";
import { convertGeminiUsage, openAIUsageOf } from "./convert-gemini-usage.js";
import { geminiCreated } from "./gemini-created.js";
import type { GeminiCandidate, GeminiResponse } from "./gemini-types.js";
import { mapGeminiFinishReason } from "./map-gemini-finish-reason.js";
import { completionId, openAIToolCall, readGeminiCandidate } from "./read-gemini-candidate.js";
import { readVertexError, VERTEX_BACKEND_ERROR } from "./read-vertex-error.js";

/** What a streamed candidate has said so far. */
interface ChoiceState {
  roleSent: boolean;
  /** OpenAI tool call indexes used so far; any call makes STOP a `tool_calls` finish. */
  toolCalls: number;
  finished: boolean;
}

/**
 * A `streamGenerateContent?alt=sse` answer as an OpenAI chat.completion.chunk stream. Each Gemini
 * event is a GenerateContentResponse holding the next piece of each candidate; its JSON may be cut
 * anywhere across network chunks (SseReader joins it; Vertex ends events with "\r\n\r\n"). Pieces
 * become deltas: the role first, thought text as reasoning_content, text as content, each function
 * call as a whole tool call (Gemini sends its arguments at once). A finishReason becomes that
 * choice's finish chunk, `tool_calls` when the candidate called a function anywhere in the stream.
 * Usage is cumulative in every event: the last one counts. At the end comes a usage chunk when
 * `withUsage`, then `data: [DONE]`. An `error` object in the stream ends it with an OpenAI error
 * event; an event that is not JSON, or a stream with no event at all, is UpstreamProtocolError.
 */
export class GeminiStreamToOpenAIChunks {
  private readonly reader = new SseReader();
  private readonly choices = new Map<number, ChoiceState>();
  private id: string | undefined;
  private model: string | undefined;
  private created = 0;
  private seen = false;
  private sawUsage = false;
  private failed = false;

  constructor(
    private readonly requestModel: string,
    private readonly headers: Record<string, string | string[] | undefined>,
    private readonly withUsage: boolean,
    private readonly usage: TokenUsage,
  ) {}

  /** The model the stream says answered, once an event named it. */
  get responseModel(): string | undefined {
    return this.model;
  }

  push(chunk: Buffer): string {
    let out = "";
    for (const event of this.reader.push(chunk)) out += this.event(event.data);
    return out;
  }

  end(): string {
    let out = "";
    for (const event of this.reader.end()) out += this.event(event.data);
    if (this.failed) return out;
    if (!this.seen) throw new UpstreamProtocolError("the GCP Vertex AI stream ended without any event");
    if (![...this.choices.values()].some((c) => c.finished)) {
      this.failed = true;
      return (
        out +
        openAIStreamErrorEvent(
          502,
          VERTEX_BACKEND_ERROR,
          "the GCP Vertex AI stream ended without a finishReason",
        )
      );
    }
    if (this.withUsage && this.sawUsage) out += this.chunkOf([], openAIUsageOf(this.usage));
    return `${out}data: [DONE]\n\n`;
  }

  private event(data: string): string {
    if (this.failed || data === "" || data === "[DONE]") return "";
    refuseDeepAnswer(data, "a GCP Vertex AI stream event");
    let response: GeminiResponse & { error?: unknown };
    try {
      response = JSON.parse(data) as GeminiResponse & { error?: unknown };
    } catch {
      throw new UpstreamProtocolError("a GCP Vertex AI stream event is not JSON");
    }
    if (typeof response !== "object" || response === null || Array.isArray(response))
      throw new UpstreamProtocolError("a GCP Vertex AI stream event is not a JSON object");
    this.seen = true;
    if (response.error !== undefined) return this.fail(data, response.error);
    if (this.id === undefined) {
      this.id = completionId(response.responseId);
      this.created = geminiCreated(response.createTime, this.headers);
    }
    if (this.model === undefined && typeof response.modelVersion === "string" && response.modelVersion !== "")
      this.model = response.modelVersion;
    if (typeof response.usageMetadata === "object" && response.usageMetadata !== null) {
      convertGeminiUsage(response.usageMetadata, this.usage);
      this.sawUsage = true;
    }
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    let out = "";
    candidates.forEach((candidate: unknown, i: number) => {
      if (typeof candidate === "object" && candidate !== null)
        out += this.candidate(candidate as GeminiCandidate, i);
    });
    // A blocked prompt: no candidate will come.
    if (
      candidates.length === 0 &&
      response.promptFeedback?.blockReason !== undefined &&
      this.choices.size === 0
    ) {
      this.choices.set(0, { roleSent: true, toolCalls: 0, finished: true });
      out += this.choice(0, { role: "assistant", content: "" }, null);
      out += this.choice(0, {}, "content_filter");
    }
    return out;
  }

  private candidate(candidate: GeminiCandidate, position: number): string {
    const content = readGeminiCandidate(candidate, position);
    let state = this.choices.get(content.index);
    if (state === undefined) {
      state = { roleSent: false, toolCalls: 0, finished: false };
      this.choices.set(content.index, state);
    }
    let out = "";
    if (!state.roleSent) {
      state.roleSent = true;
      out += this.choice(content.index, { role: "assistant", content: "" }, null);
    }
    if (content.reasoning !== undefined && content.reasoning !== "")
      out += this.choice(content.index, { reasoning_content: content.reasoning }, null);
    if (content.text !== undefined && content.text !== "")
      out += this.choice(content.index, { content: content.text }, null);
    if (content.toolCalls.length > 0) {
      const calls = content.toolCalls.map((call) => openAIToolCall(call, state.toolCalls++));
      out += this.choice(content.index, { tool_calls: calls }, null);
    }
    if (content.finishReason !== undefined && content.finishReason !== null && !state.finished) {
      state.finished = true;
      out += this.choice(content.index, {}, mapGeminiFinishReason(content.finishReason, state.toolCalls > 0));
    }
    return out;
  }

  private choice(index: number, delta: Record<string, unknown>, finish: string | null): string {
    return this.chunkOf([{ index, delta, logprobs: null, finish_reason: finish }]);
  }

  private chunkOf(choices: unknown[], usage?: Record<string, unknown>): string {
    const json: Record<string, unknown> = {
      id: this.id ?? completionId(undefined),
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model ?? this.requestModel,
      choices,
    };
    if (usage !== undefined) json.usage = usage;
    return `data: ${JSON.stringify(json)}\n\n`;
  }

  private fail(data: string, error: unknown): string {
    this.failed = true;
    const code = (error as { code?: unknown } | null)?.code;
    const status = typeof code === "number" && code >= 400 && code <= 599 ? code : 502;
    const { type, message } = readVertexError(data);
    return openAIStreamErrorEvent(status, type, message);
  }
}

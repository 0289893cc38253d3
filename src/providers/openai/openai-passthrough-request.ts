import type { TranslateRequestInput, UpstreamRequest } from "../translator.js";
import { openAIPath } from "./openai-path.js";

/**
 * The request side of an OpenAI -> OpenAI passthrough. The client's bytes are forwarded as received
 * unless something must change (model override, forced usage reporting); then only those fields
 * change and the body is serialised once.
 */
export function openAIPassthroughRequest(
  input: TranslateRequestInput,
  suffix: string,
  forceUsage: boolean,
): UpstreamRequest {
  const path = openAIPath(input.schema, suffix);
  const needsUsage = forceUsage && input.stream && !includesUsage(input.body);
  if (!input.modelOverridden && !needsUsage) return { path, body: input.raw };
  const body: Record<string, unknown> = { ...input.body, model: input.model };
  if (needsUsage) {
    const options = input.body.stream_options;
    body.stream_options = {
      ...(typeof options === "object" && options !== null ? options : {}),
      include_usage: true,
    };
  }
  return { path, body: JSON.stringify(body) };
}

function includesUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

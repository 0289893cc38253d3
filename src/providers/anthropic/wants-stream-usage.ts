import type { TranslateRequestInput } from "../translator.js";

/**
 * Whether a translated OpenAI chat stream ends with a usage chunk: only when the client asked
 * (`stream_options.include_usage`). Usage is counted either way (Anthropic streams always report
 * it), so costs never need the chunk; a client that did not ask must not get a chunk with empty
 * `choices` it does not expect, as an OpenAI backend's forced usage is removed too.
 */
export function wantsStreamUsage(request: TranslateRequestInput): boolean {
  const options = request.body.stream_options as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

import type { TranslateRequestInput } from "../translator.js";

/**
 * Whether a translated OpenAI chat stream ends with a usage chunk: when the client asked
 * (`stream_options.include_usage`) or the gateway needs usage for costs (forceIncludeUsage), as an
 * OpenAI backend would answer the forced request.
 */
export function wantsStreamUsage(request: TranslateRequestInput): boolean {
  if (request.forceIncludeUsage) return true;
  const options = request.body.stream_options as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

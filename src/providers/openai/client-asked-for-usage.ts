import type { TranslateRequestInput } from "../translator.js";

/**
 * Whether the gateway asks an OpenAI-schema upstream for stream usage the client did not ask for:
 * `force` (costs are configured on the route), a streamed answer, and a client that left
 * `stream_options.include_usage` unset or false. One predicate for both sides of the passthrough:
 * the request side then adds include_usage, and the response side removes the usage chunk the
 * client never asked for.
 */
export function usageForced(input: TranslateRequestInput, force: boolean): boolean {
  return force && input.stream && !clientAskedForUsage(input.body);
}

/**
 * `stream_options.include_usage` is true in the client's body. Only then does a translated OpenAI
 * chat stream end with a usage chunk: usage is counted either way, so costs never need the chunk.
 */
export function clientAskedForUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return options?.include_usage === true;
}

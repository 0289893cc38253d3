import type { ResponseContext, TranslateRequestInput } from "../translator.js";

/**
 * Whether a translated OpenAI chat stream ends with a usage chunk: the client asked
 * (`stream_options.include_usage`) or the gateway needs usage for costs (forceIncludeUsage).
 * That is request state, so it is read from the request input the gateway hands back with the
 * response context. A gateway that does not hand it back gets the usage chunk always, which is
 * what Envoy AI Gateway does for every translated stream.
 */
export function wantsStreamUsage(ctx: ResponseContext & { request?: TranslateRequestInput }): boolean {
  const request = ctx.request;
  if (request === undefined) return true;
  if (request.forceIncludeUsage) return true;
  const options = request.body.stream_options as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

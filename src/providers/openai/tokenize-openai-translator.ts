import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import {
  type BackendSchema,
  type ResponseTranslator,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/**
 * /tokenize to an OpenAI-schema backend, i.e. vLLM, which serves it at its root, beside (not under)
 * /v1: the request passes (the model replaced when overridden), and vLLM's answer
 * `{"count","max_model_len","tokens"}` is relayed as it is, its `count` counted as input usage.
 */
export const tokenizeOpenAITranslator: Translator = {
  request(input) {
    const path = tokenizePath(input.schema);
    if (!input.modelOverridden) return { path, body: input.raw };
    refuseDeepRequest(input);
    return { path, body: JSON.stringify({ ...input.body, model: input.model }) };
  },
  response(ctx): ResponseTranslator {
    const passthrough = openAIPassthroughResponse(ctx);
    return {
      streamContentType: "application/json",
      usage: passthrough.usage,
      get responseModel() {
        return passthrough.responseModel;
      },
      body(body) {
        const out = passthrough.body(body);
        if (ctx.status >= 300) return out;
        const parsed = parseUpstreamJson(body, "the upstream's tokenize answer") as { count?: unknown };
        const count = parsed.count;
        if (typeof count !== "number" || !Number.isInteger(count) || count < 0)
          throw new UpstreamProtocolError("the upstream's tokenize answer holds no 'count'");
        passthrough.usage.inputTokens = count;
        passthrough.usage.totalTokens = count;
        return out;
      },
      chunk: (chunk) => chunk,
      end: () => undefined,
    };
  },
};

/**
 * vLLM serves /tokenize at its root: the schema's prefix without its trailing `/v1` (the default
 * "/v1" gives "/tokenize"; "/vllm/v1" behind a path-routing proxy gives "/vllm/tokenize").
 */
function tokenizePath(schema: BackendSchema): string {
  let prefix = schema.prefix ?? "/v1";
  if (prefix.endsWith("/")) prefix = prefix.slice(0, -1);
  if (prefix.endsWith("/v1")) prefix = prefix.slice(0, -3);
  if (prefix !== "" && !prefix.startsWith("/")) prefix = `/${prefix}`;
  return `${prefix}/tokenize`;
}

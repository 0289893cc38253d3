import { cohereErrorBody } from "../../api/cohere-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { type Span, scanTopLevelObject, topLevelKey } from "../../util/find-top-level-value.js";
import { firstValue } from "../../util/first-value.js";
import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
import { cohereRerankPath } from "./cohere-rerank-path.js";
import { type CohereMeta, convertCohereMeta } from "./convert-cohere-meta.js";

/** The one top-level member of a rerank answer that is read. */
const META_KEY = [topLevelKey("meta")];
/** Its span, filled by each body() and read at once (the scan is synchronous). */
const spans: (Span | undefined)[] = [undefined];

/**
 * `/cohere/v2/rerank` to a Cohere-schema backend's `/<version>/rerank`: the client's bytes pass
 * through (only the model's value is replaced when overridden), and so does the answer, whose `meta`
 * alone is parsed for usage. Rerank answers name no model, so the response model is the request's.
 */
export const cohereRerankTranslator: Translator = {
  request(input) {
    const upstream = openAIPassthroughRequest(input, "/rerank", false);
    upstream.path = cohereRerankPath(input.schema);
    return upstream;
  },
  response: (ctx) => new CohereRerankResponse(ctx),
};

class CohereRerankResponse implements ResponseTranslator {
  readonly usage = emptyUsage();
  readonly streamContentType: string;
  readonly responseModel: string;

  constructor(private readonly ctx: ResponseContext) {
    this.streamContentType = firstValue(ctx.headers["content-type"]) ?? "application/json";
    this.responseModel = ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    const contentType = firstValue(this.ctx.headers["content-type"]) ?? "application/json";
    if (status >= 400) {
      // Cohere's JSON errors are already the client's shape; anything else gets it.
      if (parseJson(body.toString("utf8")) !== undefined) return { status, contentType, body };
      return {
        status,
        contentType: "application/json",
        body: cohereErrorBody(status, "CohereBackendError", body.toString("utf8")),
      };
    }
    if (!scanTopLevelObject(body, META_KEY, spans)) {
      if (status >= 300) return { status, contentType, body };
      throw new UpstreamProtocolError("the Cohere rerank answer is not a JSON object");
    }
    const span = spans[0];
    const meta = span ? parseJson(body.toString("utf8", span.start, span.end)) : undefined;
    if (typeof meta === "object" && meta !== null) convertCohereMeta(meta as CohereMeta, this.usage);
    return { status, contentType, body };
  }

  /** Rerank never streams; whatever an upstream streams anyway is relayed as it is. */
  chunk(chunk: Buffer): Buffer {
    return chunk;
  }

  end(): undefined {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

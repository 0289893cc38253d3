import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import { openAIPassthroughResponse } from "../openai/openai-passthrough-response.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
import { sageMakerErrorBody } from "./read-sagemaker-error.js";
import { sageMakerEndpointPath } from "./sagemaker-endpoint-path.js";
import { SageMakerResponseStream } from "./sagemaker-response-stream.js";

/**
 * An OpenAI API (chat, completions, embeddings) to an OpenAI-compatible model container (vLLM, TGI,
 * SageMaker's LMI, ...) behind a SageMaker endpoint. The container reads the client's OpenAI body,
 * so that passes through as the OpenAI passthrough sends it (model replaced when overridden, stream
 * usage forced when costs need it); only the path (the endpoint, from the model) and framing differ.
 * InvokeEndpoint relays the container's answer as it is; a stream comes back in SageMaker's event-stream
 * frames and is unwrapped into the container's SSE (SageMakerResponseStream). SageMaker's own errors
 * become the OpenAI envelope.
 */
export function openAISageMakerTranslator(forcesUsage: boolean): Translator {
  return {
    request(input) {
      const upstream = openAIPassthroughRequest(input, "", forcesUsage && input.forceIncludeUsage);
      upstream.path = sageMakerEndpointPath(input.model, input.stream);
      upstream.headers = input.stream
        ? { "x-amzn-sagemaker-accept": "text/event-stream" }
        : { accept: "application/json" };
      return upstream;
    },
    response: (ctx) => new SageMakerResponse(ctx),
  };
}

class SageMakerResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  private readonly inner: ResponseTranslator;
  private stream: SageMakerResponseStream | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.inner = openAIPassthroughResponse(ctx);
  }

  get usage() {
    return this.inner.usage;
  }

  get responseModel() {
    return this.inner.responseModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    if (status >= 400) {
      return {
        status,
        contentType: "application/json",
        body: sageMakerErrorBody(status, this.ctx.headers, body),
      };
    }
    return this.inner.body(body);
  }

  chunk(chunk: Buffer): Buffer | undefined {
    this.stream ??= new SageMakerResponseStream(this.inner);
    return this.stream.chunk(chunk);
  }

  end(): Buffer | string | undefined {
    this.stream ??= new SageMakerResponseStream(this.inner);
    return this.stream.end();
  }
}

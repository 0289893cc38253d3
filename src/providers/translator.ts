import type { IncomingHttpHeaders } from "node:http";
import type { TokenUsage } from "../usage/token-usage.js";

/**
 * The contract between the gateway and a backend schema. Translation is PURE: no sockets, clocks or
 * globals. A translator turns the client's request into the upstream request, and the upstream
 * response (whole or chunk by chunk) into what the client API expects, counting usage as it goes.
 * One translator exists per (client API x backend schema) pair; see registry.ts.
 */

/** What the client speaks. */
export type ClientApi =
  | "openai-chat"
  | "openai-completions"
  | "openai-embeddings"
  | "openai-images"
  | "openai-responses"
  | "openai-responses-input-tokens"
  | "openai-audio-speech"
  | "openai-audio-transcriptions"
  | "openai-audio-translations"
  | "tokenize"
  | "cohere-rerank"
  | "anthropic-messages"
  | "anthropic-count-tokens";

/** What the upstream speaks: AIServiceBackend spec.schema.name. */
export type BackendSchemaName =
  | "OpenAI"
  | "Cohere"
  | "AWSBedrock"
  | "AzureOpenAI"
  | "GCPVertexAI"
  | "GCPAnthropic"
  | "Anthropic"
  | "AWSAnthropic"
  /** aigw's own (not an upstream enum value): an OpenAI-compatible container on a SageMaker endpoint. */
  | "aigw/AWSSageMaker";

export interface BackendSchema {
  name: BackendSchemaName;
  /** OpenAI and Anthropic: path prefix, default "/v1". */
  prefix?: string;
  /** AzureOpenAI api-version; GCPAnthropic/AWSAnthropic anthropic_version; Cohere path version. */
  version?: string;
}

export interface TranslateRequestInput {
  /** The parsed client body. Translators must not mutate it (a retry translates it again). */
  body: Record<string, unknown>;
  /** The exact bytes the client sent; passthrough translators forward these when nothing changes. */
  raw: Buffer;
  /** The model to ask the upstream for: modelNameOverride when set, else the client's model. */
  model: string;
  /** True when `model` differs from the body's model, i.e. the body must be rewritten for it. */
  modelOverridden: boolean;
  /** The client asked for a stream. */
  stream: boolean;
  /** Costs are configured: streamed chat must report usage (stream_options.include_usage forced). */
  forceIncludeUsage: boolean;
  schema: BackendSchema;
  /** The client's request headers (lower-case names), e.g. to read anthropic-beta. */
  headers: IncomingHttpHeaders;
}

export interface UpstreamRequest {
  /** Path and query for the upstream, starting with "/". */
  path: string;
  /** The body to send; `input.raw` itself when it passes through unchanged. */
  body: Buffer | string;
  /**
   * Headers to set on the upstream request (content-type is application/json unless given). A name
   * mapped to undefined removes a client header that would otherwise be forwarded (one the upstream
   * would reject, e.g. beta flags it does not know).
   */
  headers?: Record<string, string | undefined>;
  /** What the translator changed in a request the backend could not take as it was; the gateway logs it. */
  notices?: readonly FieldNotice[];
}

/** One field of the client's request that a translator moved, mapped or dropped for its backend. */
export interface FieldNotice {
  /** The field's path in the client body, e.g. `output_config.format`, or `anthropic-beta` for the header. */
  field: string;
  action: "moved" | "mapped" | "dropped";
  /** Why, for the log line: what the backend does not accept, or what the field became. */
  detail: string;
}

export interface ResponseContext {
  /** Upstream status code. */
  status: number;
  /** Upstream response headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The model the gateway asked the upstream for (after override). */
  requestModel: string;
  /** The client asked for a stream. */
  stream: boolean;
  /**
   * What the request side was given, e.g. to honour `encoding_format`, or to report usage in a
   * translated stream when the client asked (`stream_options.include_usage`) or costs force it.
   */
  request: TranslateRequestInput;
}

export interface TranslatedBody {
  status: number;
  contentType: string;
  body: Buffer | string;
}

/**
 * One per response. The gateway calls either `body` once (buffered: non-streaming or error answers)
 * or `chunk` for each upstream chunk and then `end` (a 2xx answer to a streaming request).
 */
export interface ResponseTranslator {
  /** Buffered mode: the whole upstream body in, the client's body out. Also used for error statuses. */
  body(body: Buffer): TranslatedBody;
  /** Streaming mode: the content-type the client gets (e.g. text/event-stream for an AWS event stream). */
  readonly streamContentType: string;
  /** Streaming mode: an upstream chunk in, bytes to write to the client now (possibly none). */
  chunk(chunk: Buffer): Buffer | string | undefined;
  /** Streaming mode: the upstream ended; trailing bytes for the client (e.g. `data: [DONE]`). */
  end(): Buffer | string | undefined;
  /** Usage counted so far; final after `body` or `end`. */
  readonly usage: TokenUsage;
  /** The model the upstream says answered, when it said. */
  readonly responseModel: string | undefined;
}

export interface Translator {
  /**
   * Throws InvalidRequestError when the client's request cannot be sent: the backend cannot express it
   * (422) or the request itself is malformed in a way the gateway checks (400).
   */
  request(input: TranslateRequestInput): UpstreamRequest;
  /** The ResponseTranslator's body(), chunk() and end() throw UpstreamProtocolError on a malformed 2xx answer. */
  response(ctx: ResponseContext): ResponseTranslator;
}

/**
 * The client's request cannot be sent upstream. The gateway answers `status` in the client API's
 * envelope: 422 (UnprocessableEntity, the default) when the request is valid but the backend cannot
 * express it, 400 (BadRequest) when the request is malformed in a way the gateway itself checks
 * (e.g. JSON nested too deeply, a model name that cannot be sent).
 */
export class InvalidRequestError extends Error {
  override readonly name = "InvalidRequestError";

  constructor(
    message: string,
    readonly status: 400 | 422 = 422,
  ) {
    super(message);
  }
}

/**
 * The upstream answered something its schema does not allow: a 2xx body or stream that is not what
 * the API promises (not JSON, not the expected object, nested too deeply, a stream with no event the
 * translator recognises). A ResponseTranslator throws it from body(), chunk() or end(); the gateway
 * answers 502 in the client API's envelope when nothing was written yet, or ends the stream with an
 * error event.
 */
export class UpstreamProtocolError extends Error {
  override readonly name = "UpstreamProtocolError";
}

/** The translators of one backend schema, by the client API they serve. */
export type SchemaTranslators = Partial<Record<ClientApi, Translator>>;

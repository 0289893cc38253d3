import type { ClientApi } from "../providers/translator.js";

/** A client-facing API endpoint that the gateway routes by model and forwards upstream. */
export interface ClientEndpoint {
  readonly api: ClientApi;
  /** gen_ai.operation.name for telemetry and the access log ("chat", "messages", ...). */
  readonly operation: string;
  /** Whether a `stream: true` body means a streamed answer. */
  readonly streams: boolean;
  /**
   * The answer is relayed as it arrives whatever the body says (speech: audio bytes, or SSE with
   * `stream_format: "sse"`), so a long audio answer is never held whole.
   */
  readonly alwaysStreams?: boolean;
  /**
   * The request body's encoding: JSON (the default) or multipart/form-data (audio uploads), whose
   * text fields become the call's `body` (all values strings) and whose bytes pass through.
   */
  readonly bodyFormat?: "json" | "multipart";
  /**
   * The body of a gateway-generated error in this API's own envelope. `openAIType` is the
   * Envoy-AI-Gateway-style type ("BadRequest", ...); APIs with their own vocabulary map by status.
   * `code` is a specific error code where the API has them ("model_not_found").
   */
  errorBody(status: number, openAIType: string, message: string, code?: string): string;
  /** The event that ends a stream of this API which failed after its first byte was sent. */
  streamErrorEvent(status: number, openAIType: string, message: string): string;
}

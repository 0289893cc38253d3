import type { ClientApi } from "../providers/translator.js";

/** A client-facing API endpoint that the gateway routes by model and forwards upstream. */
export interface ClientEndpoint {
  readonly api: ClientApi;
  /** gen_ai.operation.name for telemetry. */
  readonly operation: string;
  /** Whether a `stream: true` body means a streamed answer. */
  readonly streams: boolean;
  /**
   * The body of a gateway-generated error in this API's own envelope. `openAIType` is the
   * Envoy-AI-Gateway-style type ("BadRequest", ...); APIs with their own vocabulary map by status.
   */
  errorBody(status: number, openAIType: string, message: string): string;
}

/**
 * An answer the gateway makes itself: every stage of the request path throws one, and one place
 * (`answerGatewayError` in handle-inference-request.ts) writes it in the client API's envelope.
 * `type` is Envoy AI Gateway's vocabulary ("BadRequest", "ServiceUnavailable", ...); APIs with their
 * own vocabulary map it by status. `logCode` is what the access log's `error` field says.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly logCode: string,
    /** OpenAI's `error.code` where the API has one (e.g. "model_not_found"). */
    readonly code?: string,
    /** Headers the answer carries (a 429's x-ratelimit-* and retry-after). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

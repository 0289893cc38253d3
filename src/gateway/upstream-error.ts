/** Why an upstream exchange failed, as the client and the access log are told. */
export type UpstreamFailure = "timeout" | "client_closed" | "upstream_unreachable" | "upstream_reset";

/** Classifies an error undici reported for an exchange the gateway did not abort itself. */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = (err as { code?: string } | undefined)?.code ?? "";
  if (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "UND_ERR_CLOSED")
    return "upstream_reset";
  return "upstream_unreachable";
}

/** A short human description of the cause, without anything secret (no headers, no bodies). */
export function describeUpstreamError(err: unknown): string {
  const e = err as
    | { code?: string; message?: string; cause?: { code?: string; message?: string } }
    | undefined;
  const code = e?.code ?? e?.cause?.code;
  const message = e?.cause?.message ?? e?.message ?? "unknown error";
  return code ? `${code}: ${message}` : message;
}

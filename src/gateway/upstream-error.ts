/** A short human description of the cause, without anything secret (no headers, no bodies). */
export function describeUpstreamError(err: unknown): string {
  const e = err as
    | { code?: string; message?: string; cause?: { code?: string; message?: string } }
    | undefined;
  const code = e?.code ?? e?.cause?.code;
  const message = e?.cause?.message ?? e?.message ?? "unknown error";
  return code ? `${code}: ${message}` : message;
}

/** A backend refused, failed or answered garbage; `status` is its HTTP status (0: unreachable). */
export class BackendFailure extends Error {
  override readonly name = "BackendFailure";
  constructor(
    readonly backend: string,
    readonly status: number,
    message: string,
  ) {
    super(`MCP backend ${backend}: ${message}`);
  }
}

import type { IncomingHttpHeaders } from "node:http";
import type { OutgoingRequest } from "../config/snapshot.js";

/**
 * The upstream request being prepared. The URL object is built only if someone asks (request
 * signers do; API-key backends never need it), keeping URL parsing off the common path.
 */
export class PreparedRequest implements OutgoingRequest {
  readonly method = "POST";
  private parsedUrl: URL | undefined;

  constructor(
    private readonly origin: string,
    readonly path: string,
    public headers: Record<string, string>,
    public body: Buffer | string,
    readonly clientHeaders: IncomingHttpHeaders,
  ) {}

  get url(): URL {
    this.parsedUrl ??= new URL(this.path, this.origin);
    return this.parsedUrl;
  }
}

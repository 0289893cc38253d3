import type { IncomingHttpHeaders } from "node:http";
import { request } from "undici";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8. */
  text: string;
  /** How many pieces the body arrived in: more than one shows a stream was not buffered. */
  chunkCount: number;
}

/**
 * Sends exact bytes (or a value serialised as JSON) and reads the whole answer. For the tests that need
 * what an SDK hides: malformed bodies, byte-exact comparisons, plain-text errors, custom Host headers.
 */
export async function sendRaw(
  url: string,
  options: {
    method?: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
    body?: string | Buffer | object;
    headers?: Record<string, string>;
  } = {},
): Promise<RawResponse> {
  const { body } = options;
  const payload =
    body === undefined || typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await request(url, {
    method: options.method ?? (payload === undefined ? "GET" : "POST"),
    headers: { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    body: payload,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return {
    status: res.statusCode,
    headers: res.headers as IncomingHttpHeaders,
    text: Buffer.concat(chunks).toString("utf8"),
    chunkCount: chunks.length,
  };
}

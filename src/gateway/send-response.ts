import type { ServerResponse } from "node:http";

/**
 * Writes a whole response with a known length. `headers`, when given, is used as the header object
 * itself (content-type and content-length are added to it), saving a copy per response. Safe to call
 * when the client is already gone.
 */
export function sendBody(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer | string,
  headers: Record<string, string | string[] | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  headers["content-type"] = contentType;
  headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  res.writeHead(status, headers);
  res.end(body);
}

export const PLAIN_TEXT = "text/plain; charset=utf-8";
export const JSON_TYPE = "application/json";

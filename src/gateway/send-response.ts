import type { ServerResponse } from "node:http";

/** Writes a whole response with a known length. Safe to call when the client is already gone. */
export function sendBody(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer | string,
  extraHeaders?: Record<string, string | string[]>,
): void {
  if (res.headersSent || res.destroyed) return;
  const length = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  res.writeHead(status, { ...extraHeaders, "content-type": contentType, "content-length": length });
  res.end(body);
}

export const PLAIN_TEXT = "text/plain; charset=utf-8";
export const JSON_TYPE = "application/json";

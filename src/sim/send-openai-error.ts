import type { ServerResponse } from "node:http";

/**
 * Errors in OpenAI's own envelope (not the gateway's): the simulator stands in for a real provider,
 * so clients and the gateway must see what api.openai.com sends, e.g.
 * {"error":{"message":"...","type":"invalid_request_error","param":"messages","code":"empty_array"}}.
 */
export function sendOpenAIError(
  res: ServerResponse,
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
  type = "invalid_request_error",
): void {
  const body = JSON.stringify({ error: { message, type, param, code } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

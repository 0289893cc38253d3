import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/**
 * The official v1 SDK client, connected (initialized) to an MCP endpoint, with sampling offered.
 * `options` pass to its transport (a `fetch` that records the responses, a `sessionId` to resume).
 */
export async function connectMcpClient(
  url: string,
  headers: Record<string, string> = {},
  options: Omit<StreamableHTTPClientTransportOptions, "requestInit"> = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client(
    { name: "aigw-test-client", version: "9.9.9" },
    { capabilities: { sampling: {} } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), { ...options, requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

/** The text of a tool result's first content block. */
export function firstText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  return content?.[0]?.text ?? "";
}

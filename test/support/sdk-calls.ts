import * as assert from "node:assert/strict";
import OpenAI from "openai";

/** An `openai` client of the gateway at `gatewayUrl` that sends `headers` with every request. */
export function openAIClient(gatewayUrl: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gatewayUrl}/v1`,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

/** One non-streaming "Hi" chat with the raw response (its status and headers) beside the answer. */
export function chatWithResponse(client: OpenAI, model: string, extra: Record<string, unknown> = {}) {
  return client.chat.completions
    .create({ model, messages: [{ role: "user", content: "Hi" }], ...extra })
    .withResponse();
}

/** The APIError the call is refused with; fails the test when it succeeds or fails otherwise. */
export async function refusedWith(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the request to be refused");
}

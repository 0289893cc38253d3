import type { TestContext } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { AttemptRecord, RequestRecord } from "../../src/gateway/request-record.js";
import { configYaml, gatewayDocs } from "./gateway-yaml.js";
import { startTestGateway, type TestGateway } from "./start-test-gateway.js";

type Doc = Record<string, unknown>;

/**
 * One gateway of its own per test (backend health lives in the gateway process, so a test that
 * ejects or pauses a backend cannot leak into the next), with the official SDKs pointed at it and
 * their own retries off, so that every retry seen is the gateway's.
 */
export interface Scenario {
  readonly gateway: TestGateway;
  readonly url: string;
  readonly openai: OpenAI;
  readonly anthropic: Anthropic;
  /**
   * Runs one request (`call`), then waits for the one record it produced. `error` is what `call`
   * threw, if it did.
   */
  observe<T>(call: () => Promise<T>): Promise<Observed<T>>;
}

export interface Observed<T> {
  result: T | undefined;
  error: unknown;
  record: RequestRecord;
}

/** Starts the gateway from the Gateway boilerplate plus `docs`; closed when the test ends. */
export async function startScenario(t: TestContext, ...docs: (Doc | Doc[])[]): Promise<Scenario> {
  const gateway = await startTestGateway(configYaml(gatewayDocs(), ...docs));
  t.after(() => gateway.close());
  return {
    gateway,
    url: gateway.url,
    openai: new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0, timeout: 20_000 }),
    anthropic: new Anthropic({
      apiKey: "sk-ant-client",
      baseURL: `${gateway.url}/anthropic`,
      maxRetries: 0,
      timeout: 20_000,
    }),
    async observe(call) {
      const before = gateway.records.length;
      let result: Awaited<ReturnType<typeof call>> | undefined;
      let error: unknown;
      try {
        result = await call();
      } catch (err) {
        error = err;
      }
      const records = await gateway.waitForRecords(before + 1);
      return { result, error, record: records[before]! };
    },
  };
}

/** The attempts of a record as [backend name, status, error] triples, for deepEqual. */
export function attemptsOf(record: RequestRecord): [string, number, string | undefined][] {
  return record.attempts.map((a: AttemptRecord) => [a.backend.replace(/^default\//, ""), a.status, a.error]);
}

/** Reads an SDK stream to its end or its error: the chunks seen and what was thrown. */
export async function drain<T>(stream: AsyncIterable<T>): Promise<{ chunks: T[]; error: unknown }> {
  const chunks: T[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

/** The text of OpenAI chat chunks, joined. */
export function chunkText(chunks: readonly OpenAI.Chat.Completions.ChatCompletionChunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
}

/** The finish_reason of OpenAI chat chunks, if any chunk had one. */
export function finishReasonOf(
  chunks: readonly OpenAI.Chat.Completions.ChatCompletionChunk[],
): string | undefined {
  for (const c of chunks) if (c.choices[0]?.finish_reason) return c.choices[0].finish_reason;
  return undefined;
}

export const USER_HI = [{ role: "user" as const, content: "Hi" }];

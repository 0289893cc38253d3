import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { SeededRandom } from "../src/sim/seeded-random.js";
import { type LatencySummary, summarize } from "./percentiles.js";
import { requestHeaders, sendRequest } from "./send-request.js";

/**
 * The llm-d "shared prefix" benchmark shape, closed loop: `concurrency` clients each stream one chat
 * completion after another for `durationMs`. A request is one of `groups` shared system prompts of
 * `prefixTokens` tokens (picked at random with a seeded generator) and a unique question of
 * `questionTokens`, so a server or picker that keeps a group's prefix cached answers it faster.
 */
export interface SharedPrefixWorkload {
  /** Base URLs (no /v1); requests go round-robin over them, or all through one (a gateway). */
  readonly urls: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  /** Requests before the measured window fill the caches; they do not count. Default 0. */
  readonly warmupMs?: number;
  readonly groups: number;
  readonly prefixTokens: number;
  readonly questionTokens: number;
  /** max_tokens of every request. */
  readonly maxTokens: number;
  /** Seed of the group choice and the prompt text. Default 1. */
  readonly seed?: number;
  /** Default "sim-model". */
  readonly model?: string;
  /**
   * round-robin (default) over `urls` per request, or by-group: group g always to urls[g mod n],
   * what an ideal prefix-aware picker achieves (a reference to compare a picker with).
   */
  readonly routing?: "round-robin" | "by-group";
  /** Besides content-type (credentials for a gateway). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SharedPrefixResult {
  /** Requests that finished inside the measured window with status 200. */
  readonly completed: number;
  /** Requests that finished inside the window with another status or no response. */
  readonly errors: number;
  readonly elapsedSeconds: number;
  /** Send to the first body byte (the first token: servers send headers at once), ms. */
  readonly ttftMs: LatencySummary;
  readonly outputTokens: number;
  readonly outputTokensPerSecond: number;
}

/** A streamed chat delta carrying text: one token of the answer. */
const TOKEN_MARK = Buffer.from('"delta":{"content":');
const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];

export async function runSharedPrefixWorkload(workload: SharedPrefixWorkload): Promise<SharedPrefixResult> {
  const random = new SeededRandom(workload.seed ?? 1);
  const prefixes = Array.from({ length: workload.groups }, (_, g) =>
    JSON.stringify(filler(`System prompt ${g}: `, workload.prefixTokens * 4, random)),
  );
  const model = JSON.stringify(workload.model ?? "sim-model");
  const pools = workload.urls.map(
    (url) => new Pool(url, { connections: workload.concurrency, pipelining: 1, keepAliveTimeout: 60_000 }),
  );
  const headers = requestHeaders(workload.headers as Record<string, string> | undefined);
  const ttfts: number[] = [];
  let completed = 0;
  let errors = 0;
  let outputTokens = 0;
  let measuring = false;
  let stopping = false;
  let sent = 0;

  const worker = (): void => {
    if (stopping) return;
    const group = Math.floor(random.next() * workload.groups);
    const target = workload.routing === "by-group" ? group % pools.length : sent % pools.length;
    const question = JSON.stringify(filler(`Question ${sent++}: `, workload.questionTokens * 4, random));
    const body = `{"model":${model},"stream":true,"max_tokens":${workload.maxTokens},"messages":[{"role":"system","content":${prefixes[group]}},{"role":"user","content":${question}}]}`;
    const tokens = new TokenCounter();
    sendRequest(
      pools[target]!,
      "/v1/chat/completions",
      headers,
      body,
      (status, start, firstByte) => {
        if (measuring) {
          if (status === 200) {
            completed++;
            outputTokens += tokens.count;
            ttfts.push(Number(firstByte - start) / 1e6);
          } else {
            errors++;
          }
        }
        worker();
      },
      (chunk) => tokens.add(chunk),
    );
  };
  for (let i = 0; i < workload.concurrency; i++) worker();

  await sleep(workload.warmupMs ?? 0);
  measuring = true;
  const windowStart = process.hrtime.bigint();
  await sleep(workload.durationMs);
  measuring = false;
  stopping = true;
  const elapsedSeconds = Number(process.hrtime.bigint() - windowStart) / 1e9;
  // Requests still in flight do not count: dropping them ends the run now, not after the queues drain.
  await Promise.all(pools.map((pool) => pool.destroy()));
  return {
    completed,
    errors,
    elapsedSeconds,
    ttftMs: summarize(Float64Array.from(ttfts)),
    outputTokens,
    outputTokensPerSecond: outputTokens / elapsedSeconds,
  };
}

/** Counts TOKEN_MARK in a stream, including a mark split across two chunks. */
class TokenCounter {
  count = 0;
  #tail: Buffer | undefined;

  add(chunk: Buffer): void {
    if (this.#tail) {
      const seam = Buffer.concat([this.#tail, chunk.subarray(0, TOKEN_MARK.length - 1)]);
      if (seam.indexOf(TOKEN_MARK) !== -1) this.count++;
    }
    for (let at = chunk.indexOf(TOKEN_MARK); at !== -1; at = chunk.indexOf(TOKEN_MARK, at + 1)) this.count++;
    this.#tail = chunk.subarray(Math.max(0, chunk.length - (TOKEN_MARK.length - 1)));
  }
}

/** `head` then random words, exactly `length` characters. */
function filler(head: string, length: number, random: SeededRandom): string {
  let text = head;
  while (text.length < length) text += `${WORDS[Math.floor(random.next() * WORDS.length)]} `;
  return text.slice(0, length);
}

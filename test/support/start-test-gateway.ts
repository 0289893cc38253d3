import * as assert from "node:assert/strict";
import type { GatewayOptions, RunningGateway } from "../../src/gateway/gateway-options.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { startGateway } from "../../src/gateway/start-gateway.js";
import type { ReceivedRequest } from "./recording-upstream.js";

export interface TestGateway {
  readonly gateway: RunningGateway;
  /** "http://127.0.0.1:<port>" of the data plane. */
  readonly url: string;
  /** Every finished request's record, in completion order. */
  readonly records: RequestRecord[];
  /** Diagnostic log lines (kept instead of printed, so test output stays readable). */
  readonly logs: string[];
  /**
   * Resolves once at least `count` records exist. Records arrive when the gateway finishes a request,
   * which may be just after the client has read the last byte, so tests wait instead of reading at once.
   */
  waitForRecords(count: number, timeoutMs?: number): Promise<RequestRecord[]>;
  close(): Promise<void>;
}

/**
 * Starts the gateway from YAML text on ephemeral ports of 127.0.0.1 with the access log off and every
 * request record collected. Other options (env, log, onRequest) pass through.
 */
export async function startTestGateway(
  configText: string,
  options: Omit<GatewayOptions, "configText" | "configPaths"> = {},
): Promise<TestGateway> {
  const records: RequestRecord[] = [];
  const logs: string[] = [];
  const waiters = new Set<() => void>();
  const gateway = await startGateway({
    port: 0,
    adminPort: 0,
    host: "127.0.0.1",
    accessLog: false,
    log: (line) => logs.push(line),
    ...options,
    configText,
    onRequest: (record) => {
      records.push(record);
      options.onRequest?.(record);
      for (const wake of waiters) wake();
    },
  });
  return {
    gateway,
    url: gateway.url,
    records,
    logs,
    waitForRecords(count, timeoutMs = 5000) {
      if (records.length >= count) return Promise.resolve(records);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`expected ${count} request records within ${timeoutMs} ms, got ${records.length}`),
          );
        }, timeoutMs);
        const check = () => {
          if (records.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(records);
        };
        waiters.add(check);
      });
    },
    close: () => gateway.close(),
  };
}

/**
 * Runs `call` (one request through `gateway`), checks it caused exactly one request to `upstream`, and
 * returns that upstream request and the one record the gateway finished for it.
 */
export async function observeOneRequest(
  gateway: TestGateway,
  upstream: { readonly requests: readonly ReceivedRequest[] },
  call: () => Promise<void>,
): Promise<{ sent: ReceivedRequest; record: RequestRecord }> {
  const upstreamBefore = upstream.requests.length;
  const recordsBefore = gateway.records.length;
  await call();
  assert.equal(upstream.requests.length, upstreamBefore + 1, "exactly one upstream request");
  const records = await gateway.waitForRecords(recordsBefore + 1);
  return { sent: upstream.requests[upstreamBefore]!, record: records[recordsBefore]! };
}

/**
 * Runs `call` (one request through `gateway`) and returns what it resolved to, the calls `fake` accepted
 * meanwhile and the one record the gateway finished for it.
 */
export async function observeCalls<T, Call>(
  gateway: TestGateway,
  fake: { readonly calls: readonly Call[] },
  call: () => Promise<T>,
): Promise<{ result: T; calls: Call[]; record: RequestRecord }> {
  const callsBefore = fake.calls.length;
  const recordsBefore = gateway.records.length;
  const result = await call();
  const records = await gateway.waitForRecords(recordsBefore + 1);
  return { result, calls: fake.calls.slice(callsBefore), record: records[recordsBefore] as RequestRecord };
}

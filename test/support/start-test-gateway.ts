import type { GatewayOptions, RunningGateway } from "../../src/gateway/gateway-options.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { startGateway } from "../../src/gateway/start-gateway.js";

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

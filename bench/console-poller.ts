import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { type LatencySummary, summarize } from "./percentiles.js";

/**
 * What an open console does to the gateway, as a browser tab would: it polls the console's JSON API
 * with the admin token, each endpoint on its own timer and never overlapping with itself, until it
 * gets SIGTERM; then it prints one PollerStats JSON line. Its own process (on the client's core),
 * so neither its event loop nor its CPU mixes with the load generator's. It prints "polling" first,
 * so whoever starts it knows it is at work before the load begins.
 * Usage: node dist/bench/console-poller.js '<ConsolePollerJob JSON>'.
 */
export interface ConsolePollerJob {
  /** The gateway's admin listener, e.g. "http://127.0.0.1:1064". */
  adminOrigin: string;
  adminToken: string;
}

/** The answers of one endpoint. */
export interface EndpointStats {
  /** Seconds between the starts of two polls. */
  intervalSeconds: number;
  /** Answers by HTTP status; "0" counts transport errors. */
  answers: Record<string, number>;
  /** Send to last body byte, ms, of every answer. */
  latency: LatencySummary;
  /** Body bytes received over every answer. */
  bytes: number;
  /** The first answer that was not a 200: its status and the start of its body (or the error). */
  firstRefusal?: { status: number; body: string };
}

export interface PollerStats {
  elapsedSeconds: number;
  /** CPU time the poller itself used while polling (user + system), seconds. */
  cpuSeconds: number;
  /** By endpoint path under /console/api/, as the console asks for it (e.g. "overview?range=30d"). */
  endpoints: Record<string, EndpointStats>;
  /** Decision records the requests polls returned. */
  records: number;
}

/** The console's overview page reloads every 2 s, its requests page every second, the rest every 5 s. */
const POLLS: readonly { path: string; intervalSeconds: number }[] = [
  { path: "overview?range=30d", intervalSeconds: 2 },
  { path: "requests", intervalSeconds: 1 },
  { path: "backends", intervalSeconds: 5 },
  { path: "limits", intervalSeconds: 5 },
  { path: "config", intervalSeconds: 5 },
];

const job = JSON.parse(process.argv[2] ?? "{}") as ConsolePollerJob;
const headers = { authorization: `Bearer ${job.adminToken}` };
const stopping = new AbortController();
process.once("SIGTERM", () => stopping.abort());

/** The newest record seen, so a requests poll asks only for newer ones, as the live page does. */
let lastSeq: number | undefined;
let records = 0;

/** The path asked for this time: requests after the last seq once one is known. */
function target(path: string): string {
  return path === "requests" && lastSeq !== undefined ? `requests?after=${lastSeq}` : path;
}

/** Keeps the answer's last_seq; a body that is not the documented JSON leaves it as it was. */
function readRecords(body: string): void {
  try {
    const answer = JSON.parse(body) as { records?: unknown[]; last_seq?: number | null };
    records += answer.records?.length ?? 0;
    if (typeof answer.last_seq === "number") lastSeq = answer.last_seq;
  } catch {
    // Not JSON: the status count already says it was answered; nothing to keep.
  }
}

async function poll(path: string, intervalSeconds: number): Promise<EndpointStats> {
  const stats: EndpointStats = {
    intervalSeconds,
    answers: {},
    latency: summarize(new Float64Array()),
    bytes: 0,
  };
  const samples: number[] = [];
  const intervalMs = intervalSeconds * 1000;
  let due = performance.now();
  while (!stopping.signal.aborted) {
    const start = process.hrtime.bigint();
    let status = 0;
    let body: string;
    try {
      const response = await request(`${job.adminOrigin}/console/api/${target(path)}`, { headers });
      status = response.statusCode;
      body = await response.body.text();
    } catch (error) {
      body = (error as Error).message;
    }
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    stats.answers[status] = (stats.answers[status] ?? 0) + 1;
    stats.bytes += Buffer.byteLength(body);
    if (status !== 200) stats.firstRefusal ??= { status, body: body.slice(0, 300) };
    else if (path === "requests") readRecords(body);
    // A poll slower than its interval skips the ticks it missed instead of piling up behind them.
    due += intervalMs * Math.max(1, Math.ceil((performance.now() - due) / intervalMs));
    await sleep(due - performance.now(), undefined, { signal: stopping.signal }).catch(() => undefined);
  }
  stats.latency = summarize(Float64Array.from(samples));
  return stats;
}

const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const polling = POLLS.map(({ path, intervalSeconds }) => poll(path, intervalSeconds));
process.stdout.write("polling\n");
const answered = await Promise.all(polling);
const cpu = process.cpuUsage(cpuBefore);
const stats: PollerStats = {
  elapsedSeconds: Number(process.hrtime.bigint() - started) / 1e9,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  endpoints: Object.fromEntries(POLLS.map(({ path }, i) => [path, answered[i]!])),
  records,
};
process.stdout.write(`${JSON.stringify(stats)}\n`);

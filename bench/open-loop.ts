import { Pool } from "undici";
import type { LoadJob, LoadResult } from "./load-job.js";
import { summarize } from "./percentiles.js";
import { SampleRecorder } from "./sample-recorder.js";
import { requestHeaders, sendRequest } from "./send-request.js";

/**
 * A fixed arrival rate that does not slow down when answers do (no coordinated omission in the
 * offered load). Request i is due at start + i / rate; a 1 ms timer sends every request that is
 * due, so the client never spins on the core it shares with the simulator. Latency is measured from
 * the actual send, so timer jitter does not pollute the sub-millisecond differences we compare;
 * how late sends were against the schedule is reported separately.
 */
export async function runOpenLoop(job: LoadJob): Promise<LoadResult> {
  const rate = job.rate ?? 1000;
  const pool = new Pool(job.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const body = Buffer.from(job.body);
  const headers = requestHeaders(job.headers);
  const recorder = new SampleRecorder();
  const intervalNs = 1e9 / rate;
  const warmupCount = Math.round(job.warmupSeconds * rate);
  const total = warmupCount + Math.round(job.durationSeconds * rate);
  const lag = new Float64Array(total - warmupCount);
  let sent = 0;
  let finished = 0;
  let allFinished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allFinished = resolve;
  });
  let windowStart = 0n;
  let windowEnd = 0n;

  const start = process.hrtime.bigint();
  const tick = (): void => {
    const now = process.hrtime.bigint();
    const elapsedNs = Number(now - start);
    while (sent < total && sent * intervalNs <= elapsedNs) {
      const index = sent++;
      const measured = index >= warmupCount;
      if (measured) {
        if (index === warmupCount) windowStart = process.hrtime.bigint();
        lag[index - warmupCount] = (elapsedNs - index * intervalNs) / 1e6;
      }
      sendRequest(pool, job.path, headers, body, (status, s, firstByte, end) => {
        if (measured) recorder.record(status, s, firstByte, end);
        if (++finished === total) {
          windowEnd = process.hrtime.bigint();
          allFinished();
        }
      });
    }
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  await done;
  await pool.close();
  const elapsedSeconds = Number(windowEnd - windowStart) / 1e9;
  return { ...recorder.result("open", elapsedSeconds), scheduleLag: summarize(lag) };
}

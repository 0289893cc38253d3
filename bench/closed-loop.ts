import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import type { LoadJob, LoadResult } from "./load-job.js";
import { SampleRecorder } from "./sample-recorder.js";
import { requestHeaders, sendRequest } from "./send-request.js";

/**
 * Maximum throughput: `connections` workers each send the next request as soon as the previous
 * answer is complete. Only requests that finish inside the measured window count.
 */
export async function runClosedLoop(job: LoadJob): Promise<LoadResult> {
  const pool = new Pool(job.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const body = Buffer.from(job.body);
  const headers = requestHeaders(job.headers);
  const recorder = new SampleRecorder();
  let measuring = false;
  let stopping = false;
  let active = job.connections;
  let allStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    allStopped = resolve;
  });

  const worker = (): void => {
    if (stopping) {
      if (--active === 0) allStopped();
      return;
    }
    sendRequest(pool, job.path, headers, body, (status, start, firstByte, end) => {
      if (measuring) recorder.record(status, start, firstByte, end);
      worker();
    });
  };
  for (let i = 0; i < job.connections; i++) worker();

  await sleep(job.warmupSeconds * 1000);
  measuring = true;
  const windowStart = process.hrtime.bigint();
  await sleep(job.durationSeconds * 1000);
  measuring = false;
  const elapsedSeconds = Number(process.hrtime.bigint() - windowStart) / 1e9;
  stopping = true;
  await stopped;
  await pool.close();
  return recorder.result("closed", elapsedSeconds);
}

import type { Dispatcher } from "undici";

/** Called once per request; times are process.hrtime.bigint() readings. */
export type RequestDone = (status: number, startNs: bigint, firstByteNs: bigint, endNs: bigint) => void;

/** The headers of every request: JSON, plus a job's own (credentials). */
export function requestHeaders(extra: Record<string, string> | undefined): Record<string, string> {
  return { "content-type": "application/json", ...extra };
}

/**
 * One POST through undici's lowest-level API, timed with the monotonic clock: start just before
 * dispatch, first byte at the first body chunk (for streams, the first SSE bytes), end when the
 * body is complete. Status 0 means the request failed before a response. `onData` sees each body
 * chunk (a streaming workload counts tokens in them).
 */
export function sendRequest(
  dispatcher: Dispatcher,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
  done: RequestDone,
  onData?: (chunk: Buffer) => void,
): void {
  let status = 0;
  let firstByte = 0n;
  const start = process.hrtime.bigint();
  dispatcher.dispatch(
    { method: "POST", path, headers, body },
    {
      // Its presence selects undici 7's controller-based handler API.
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(_controller, chunk) {
        if (firstByte === 0n) firstByte = process.hrtime.bigint();
        onData?.(chunk);
      },
      onResponseEnd() {
        const end = process.hrtime.bigint();
        done(status, start, firstByte === 0n ? end : firstByte, end);
      },
      onResponseError() {
        const end = process.hrtime.bigint();
        done(0, start, end, end);
      },
    },
  );
}

import type { IncomingMessage } from "node:http";

/** The request body was larger than the configured buffer limit. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
  }
}

/**
 * Reads the whole request body (the model is in it), refusing bodies over `limit` bytes: early
 * from Content-Length when the client declares it, otherwise as soon as the count passes it.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Bounds on how much of a refused body is read before the connection is given up. */
export interface DiscardLimits {
  /**
   * Bytes read at most; a body whose Content-Length (the whole body) is larger is not read at all.
   * Default 10 MiB.
   */
  maxBytes?: number;
  /** Time allowed for the rest of the body to arrive. Default 5 s. */
  maxMs?: number;
}

/**
 * How `discardRemainingBody` ended:
 * - "ended": the whole body was read; the answer can go out and the connection close cleanly.
 * - "closed": the client closed the connection (or it failed) first.
 * - "destroyed": the body went past `maxBytes` or `maxMs`; the connection was destroyed.
 * - "not-read": Content-Length declares more than `maxBytes`, so nothing was read: answer at
 *   once with `connection: close` (the client may still see it, as it did before this existed).
 */
export type DiscardOutcome = "ended" | "closed" | "destroyed" | "not-read";

export const DISCARD_MAX_BYTES = 10 * 1024 * 1024;
export const DISCARD_MAX_MS = 5000;

/**
 * Reads and drops the rest of a request body the gateway refuses (413), so the client finishes
 * sending before the connection closes: a server that closes a connection with unread request
 * bytes makes the kernel reset it, and a client still writing (Node's http module, SDKs on it)
 * then gets EPIPE or ECONNRESET instead of the answer. Await it *before* writing the response
 * (Node closes a `connection: close` response's socket as soon as the response is written).
 * Bounded: past `maxBytes` read or `maxMs` the socket is destroyed.
 */
export function discardRemainingBody(
  req: IncomingMessage,
  limits: DiscardLimits = {},
): Promise<DiscardOutcome> {
  const maxBytes = limits.maxBytes ?? DISCARD_MAX_BYTES;
  const maxMs = limits.maxMs ?? DISCARD_MAX_MS;
  if (req.readableEnded) return Promise.resolve("ended");
  if (req.destroyed) return Promise.resolve("closed");
  if (Number(req.headers["content-length"]) > maxBytes) return Promise.resolve("not-read");
  return new Promise((resolve) => {
    let size = 0;
    const settle = (outcome: DiscardOutcome): void => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      if (outcome === "destroyed") req.socket.destroy();
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) settle("destroyed");
    };
    const onEnd = (): void => settle("ended");
    const onClose = (): void => settle(req.readableEnded ? "ended" : "closed");
    const timer = setTimeout(() => settle("destroyed"), maxMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    // Kept after settling: an 'error' (a reset) must find a listener, or it would be thrown.
    req.on("error", ignoreError);
    req.resume();
  });
}

function ignoreError(): void {}

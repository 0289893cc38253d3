import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BodyTooLargeError,
  type DiscardLimits,
  type DiscardOutcome,
  discardRemainingBody,
  readRequestBody,
} from "../../src/gateway/read-request-body.js";
import { JSON_TYPE, sendBody } from "../../src/gateway/send-response.js";

export interface BodyLimitHarness {
  /** "http://127.0.0.1:<port>"; any path. */
  readonly url: string;
  /** How each refused body's discard ended, in order. */
  readonly outcomes: DiscardOutcome[];
  close(): Promise<void>;
}

/**
 * A server with the gateway's 413 path and nothing else: the body is read with the gateway's
 * reader under `limit`; one over it is discarded with `discardRemainingBody`, then refused with a
 * 413 and `connection: close`; one under it is answered 200. It stands in for the gateway where
 * the wiring is not what a test is about.
 */
export async function startBodyLimitHarness(
  limit: number,
  limits?: DiscardLimits,
): Promise<BodyLimitHarness> {
  const outcomes: DiscardOutcome[] = [];
  const server = createServer((req, res) => {
    readRequestBody(req, limit).then(
      (body) => sendBody(res, 200, JSON_TYPE, JSON.stringify({ bytes: body.length })),
      async (err: unknown) => {
        if (!(err instanceof BodyTooLargeError)) return;
        outcomes.push(await discardRemainingBody(req, limits));
        res.setHeader("connection", "close");
        sendBody(
          res,
          413,
          JSON_TYPE,
          JSON.stringify({ error: { type: "PayloadTooLarge", message: err.message } }),
        );
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    outcomes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface UploadResult {
  /** The answer's status, when one arrived. */
  status?: number;
  /** The answer's body, when one arrived. */
  text?: string;
  /** The error code node:http reported for the request (EPIPE, ECONNRESET, ...), if any. */
  error?: string;
}

/**
 * POSTs `total` bytes with node:http as a client that writes while it can (64 KiB at a time,
 * waiting for 'drain'), optionally pausing `pauseMs` between writes and stopping after `stopAfter`
 * bytes without ending (a stalled client). Chunked unless `contentLength` is given. Resolves once
 * the request is over, with whatever the client saw.
 */
export function uploadWhileWriting(
  url: string,
  total: number,
  options: { contentLength?: number; pauseMs?: number; stopAfter?: number; abortAfter?: number } = {},
): Promise<UploadResult> {
  return new Promise((resolve) => {
    const result: UploadResult = {};
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (options.contentLength !== undefined) headers["content-length"] = options.contentLength;
    const req = request(url, { method: "POST", headers }, (res) => {
      result.status = res.statusCode;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        result.text = text;
      });
      res.on("error", () => undefined);
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      result.error ??= err.code ?? err.message;
    });
    req.on("close", () => resolve(result));
    const piece = Buffer.alloc(64 * 1024, "x");
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !req.destroyed) {
        if (options.abortAfter !== undefined && sent >= options.abortAfter) {
          req.destroy();
          return;
        }
        if (options.stopAfter !== undefined && sent >= options.stopAfter) return;
        const size = Math.min(piece.length, total - sent);
        sent += size;
        const more = req.write(piece.subarray(0, size));
        if (options.pauseMs !== undefined) {
          setTimeout(pump, options.pauseMs);
          return;
        }
        if (!more) {
          req.once("drain", pump);
          return;
        }
      }
      if (sent >= total) req.end();
    };
    pump();
  });
}

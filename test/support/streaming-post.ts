import { type Agent, type IncomingHttpHeaders, request } from "node:http";
import { connect, type Socket } from "node:net";

/** How a streamed answer ended, as the client saw it. */
export interface StreamOutcome {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body bytes received, decoded as UTF-8. */
  text: string;
  /** True when the whole body arrived (a cut stream leaves it false). */
  complete: boolean;
  /** Whether the request went on a connection the agent had used before. */
  reusedSocket: boolean;
}

export interface StreamingCall {
  /** Settles once the first body bytes arrive. */
  firstBytes: Promise<void>;
  /** Settles when the body ends or the connection is cut; rejects only when no answer came at all. */
  done: Promise<StreamOutcome>;
  /** The connection the request went on. */
  socket: Promise<Socket>;
}

/** POSTs `body` as JSON with node:http (optionally through a keep-alive `agent`) and follows the answer. */
export function postStreaming(url: string, body: object, agent?: Agent): StreamingCall {
  let gotBytes!: () => void;
  let failed!: (err: Error) => void;
  const firstBytes = new Promise<void>((resolve, reject) => {
    gotBytes = resolve;
    failed = reject;
  });
  let gotSocket!: (socket: Socket) => void;
  const socket = new Promise<Socket>((resolve) => {
    gotSocket = resolve;
  });
  const done = new Promise<StreamOutcome>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
          gotBytes();
        });
        // 'close' comes after 'end' and also when the connection is cut mid-body.
        res.on("close", () => {
          failed(new Error("the answer ended before any body bytes"));
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            complete: res.complete,
            reusedSocket: req.reusedSocket,
          });
        });
        res.on("error", () => undefined);
      },
    );
    req.on("socket", gotSocket);
    req.on("error", (err) => {
      failed(err);
      reject(err);
    });
    req.end(payload);
  });
  // Callers that only look at `done` must not see an unhandled rejection of `firstBytes`.
  firstBytes.catch(() => undefined);
  return { firstBytes, done, socket };
}

/** Resolves with the error code of a fresh TCP connection to `port` on 127.0.0.1, or "connected". */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Resolves once `socket` is closed (at once when it already is). */
export function socketClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** The response a connection carries now (or carried last): set for every request. */
const CURRENT = Symbol("aigw.currentResponse");
type TrackedSocket = Socket & { [CURRENT]?: ServerResponse };

/** How often a drain looks whether the requests in flight are done. */
const POLL_MS = 10;

/**
 * The data plane's requests in flight and the graceful drain of its server.
 *
 * Tracking is per connection, not per request, because it runs on every request: a connection is
 * added to a set (with one 'close' listener) by its first request, and each request only stores its
 * response on its socket. What is in flight is then read off the connections when it is asked for,
 * which is only during a drain (polled every 10 ms). HTTP/1.1 answers a connection's requests in
 * order, so the latest response of a connection is the one that finishes last.
 *
 * A drain closes the listening socket (new connections are refused; Node also closes the
 * connections idle at that moment), marks every response not yet started and every request that
 * still arrives on an open keep-alive connection `connection: close` (Node then closes that
 * connection after the response, so the client moves to another instance), waits for the requests
 * in flight to end, and at the deadline destroys the connections still open.
 */
export class ServerDrain {
  private readonly sockets = new Set<TrackedSocket>();
  /** Open streams that answer no request (MCP notification streams), with what each ends with: a drain ends them at once. */
  private readonly streams = new Map<ServerResponse, string | undefined>();
  private draining = false;
  private running: Promise<number> | undefined;
  private cutNow: ((delayMs: number) => void) | undefined;
  private readonly forget = (socket: TrackedSocket): void => {
    this.sockets.delete(socket);
  };

  /** True from the start of a drain. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests being answered now. */
  get size(): number {
    let open = 0;
    for (const socket of this.sockets) if (isOpen(socket[CURRENT])) open += 1;
    return open;
  }

  track(res: ServerResponse): void {
    const socket = res.req.socket as TrackedSocket;
    if (socket[CURRENT] === undefined) {
      this.sockets.add(socket);
      socket.once("close", () => this.forget(socket));
    }
    socket[CURRENT] = res;
    if (this.draining) res.setHeader("connection", "close");
  }

  /**
   * `res` is a stream that carries no answer, only what the server sends while it is open (an MCP
   * GET notification stream): it never ends by itself, so a drain would wait its whole deadline
   * for it. A drain ends it at once instead; the client reconnects, to another instance, and
   * resumes from its last event id. `last`, when given, is written before the end (a 2026-07-28
   * `subscriptions/listen` stream ends with the answer to the listen request: the graceful end).
   */
  endOnDrain(res: ServerResponse, last?: string): void {
    if (this.draining) {
      res.end(last);
      return;
    }
    this.streams.set(res, last);
    res.once("close", () => this.streams.delete(res));
  }

  /**
   * Drains; resolves with the number of requests cut at the deadline, once every data-plane
   * connection is closed. A call during a drain moves the deadline to `timeoutMs` from now when
   * that is sooner, and resolves with the first call's result.
   */
  drain(server: Server, timeoutMs: number): Promise<number> {
    if (this.running) {
      this.cutNow?.(timeoutMs);
      return this.running;
    }
    this.draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) {
      const res = socket[CURRENT];
      if (res && !res.headersSent) res.setHeader("connection", "close");
    }
    for (const [res, last] of this.streams) res.end(last);
    this.streams.clear();
    this.running = this.waitForIdle(timeoutMs).then(async () => {
      const forced = this.size;
      // Cut what is left; with nothing in flight this closes the keep-alive connections that
      // carried pre-drain answers and were not used again.
      server.closeAllConnections();
      await closed;
      return forced;
    });
    return this.running;
  }

  private waitForIdle(timeoutMs: number): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        if (this.size === 0 || Date.now() >= deadline) done();
      }, POLL_MS);
      let timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
      this.cutNow = (delayMs) => {
        if (Date.now() + delayMs >= deadline) return;
        deadline = Date.now() + delayMs;
        clearTimeout(timer);
        timer = setTimeout(done, delayMs);
      };
    });
  }
}

/** A response still being answered: not yet handed whole to the OS, and its connection alive. */
function isOpen(res: ServerResponse | undefined): boolean {
  return res !== undefined && !res.writableFinished && !res.destroyed;
}

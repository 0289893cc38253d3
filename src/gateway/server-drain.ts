import type { Server, ServerResponse } from "node:http";

/**
 * The data plane's requests in flight and the graceful drain of its server. `track` is called for
 * every request (one Set entry and one 'close' listener; 'close' fires once per response, finished
 * or cut).
 *
 * A drain closes the listening socket (new connections are refused; Node also closes the
 * connections idle at that moment), marks every response not yet started and every request that
 * still arrives on an open keep-alive connection `connection: close` (Node then closes that
 * connection after the response, so the client moves to another instance), waits for the requests
 * in flight to end, and at the deadline destroys the connections still open.
 */
export class ServerDrain {
  private readonly open = new Set<ServerResponse>();
  private draining = false;
  private wakeWhenIdle: (() => void) | undefined;
  private running: Promise<number> | undefined;
  private cutNow: ((delayMs: number) => void) | undefined;
  /** One 'close' listener for every response (the emitter is `this`): tracking allocates no closure. */
  private readonly release: (this: ServerResponse) => void;

  constructor() {
    const open = this.open;
    const drain = this;
    this.release = function release(this: ServerResponse): void {
      open.delete(this);
      if (open.size === 0) drain.wakeWhenIdle?.();
    };
  }

  /** True from the start of a drain. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests being answered now. */
  get size(): number {
    return this.open.size;
  }

  track(res: ServerResponse): void {
    this.open.add(res);
    res.on("close", this.release);
    if (this.draining) res.setHeader("connection", "close");
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
    for (const res of this.open) {
      if (!res.headersSent) res.setHeader("connection", "close");
    }
    this.running = this.waitForIdle(timeoutMs).then(async () => {
      const forced = this.open.size;
      // Cut what is left; with nothing in flight this closes the keep-alive connections that
      // carried pre-drain answers and were not used again.
      server.closeAllConnections();
      await closed;
      return forced;
    });
    return this.running;
  }

  private waitForIdle(timeoutMs: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let deadline = Date.now() + timeoutMs;
      let timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeWhenIdle = done;
      this.cutNow = (delayMs) => {
        if (Date.now() + delayMs >= deadline) return;
        deadline = Date.now() + delayMs;
        clearTimeout(timer);
        timer = setTimeout(done, delayMs);
      };
    });
  }
}

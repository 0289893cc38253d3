import { reasonOf } from "../usage/ledger.js";
import type { EndpointState } from "./endpoint-state.js";
import type { ScrapeFunction } from "./http-scrape.js";
import { adaptersInModelList } from "./parse-model-list.js";
import { parseModelServerMetrics } from "./parse-model-server-metrics.js";

/** /v1/models changes when adapters are loaded: read it this often, and right after the endpoint answers. */
const MODELS_INTERVAL_MS = 5_000;
/** The bound on a scrape, whatever the configuration says. */
const MAX_SCRAPE_TIMEOUT_MS = 1_000;

export interface ScrapeLoopDeps {
  readonly scrape: ScrapeFunction;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** After every successful metrics scrape (the pool re-derives block size and index capacity). */
  readonly scraped: (endpoint: EndpointState) => void;
}

/**
 * One endpoint's scrapes, off the request path: a setTimeout chain (unref'd, so it never keeps the
 * process alive) that never overlaps itself; each round starts `intervalMs` after the previous one
 * started, or at once when it took longer. A scrape that does not answer within the timeout fails
 * and the next round starts anyway.
 */
export class ScrapeLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** now() when /v1/models is due; 0 = after the next successful metrics scrape. */
  private modelsDueAt = 0;
  private modelsFailure: string | undefined;

  constructor(
    private readonly endpoint: EndpointState,
    /** For log lines: "inference pool <key> endpoint <address>". */
    private readonly name: string,
    public intervalMs: number,
    private timeoutMs: number,
    private readonly deps: ScrapeLoopDeps,
  ) {
    this.timeoutMs = Math.min(timeoutMs, MAX_SCRAPE_TIMEOUT_MS);
    this.schedule(0);
  }

  /** New settings from a reload take effect from the next round. */
  retune(intervalMs: number, timeoutMs: number): void {
    this.intervalMs = intervalMs;
    this.timeoutMs = Math.min(timeoutMs, MAX_SCRAPE_TIMEOUT_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // round() catches what a scrape can throw; this is for a bug, which must not stop the loop.
      this.round().catch((err: unknown) => {
        this.deps.log(`${this.name}: scrape round failed: ${reasonOf(err)}`);
        this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const { now } = this.deps;
    const started = now();
    const ok = await this.scrapeMetrics();
    if (ok && !this.stopped && now() >= this.modelsDueAt) await this.scrapeModels();
    this.schedule(Math.max(0, this.intervalMs - (now() - started)));
  }

  private async scrapeMetrics(): Promise<boolean> {
    const ep = this.endpoint;
    // Requests sent before this scrape began are in the page it returns; later ones are not.
    const begun = ep.beginScrape();
    try {
      const text = await this.fetch("/metrics");
      ep.metrics = parseModelServerMetrics(text, ep.engine);
    } catch (err) {
      const reason = reasonOf(err);
      if (ep.failure === undefined) this.deps.log(`${this.name}: metrics scrape failed: ${reason}`);
      ep.failure = reason;
      return false;
    }
    ep.scrapedAt = this.deps.now();
    ep.scrapeSucceeded(begun);
    if (ep.failure !== undefined) {
      this.deps.log(`${this.name}: metrics scrape works again`);
      ep.failure = undefined;
      this.modelsDueAt = 0;
    }
    this.deps.scraped(ep);
    return true;
  }

  private async scrapeModels(): Promise<void> {
    this.modelsDueAt = this.deps.now() + MODELS_INTERVAL_MS;
    try {
      this.endpoint.adapters = adaptersInModelList(await this.fetch("/v1/models"));
      this.modelsFailure = undefined;
    } catch (err) {
      // Adapters then come only from lora_requests_info; said once, not every 5 s.
      if (this.modelsFailure === undefined)
        this.deps.log(`${this.name}: /v1/models failed: ${reasonOf(err)}`);
      this.modelsFailure = reasonOf(err);
    }
  }

  /** The scrape, bounded by the timeout even when the scrape function itself does not honour it. */
  private async fetch(path: string): Promise<string> {
    const work = this.deps.scrape(this.endpoint.address, path, this.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

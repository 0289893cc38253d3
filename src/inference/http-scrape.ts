import { Agent, request } from "undici";

/** GET http://address/path and its body, or a rejection (non-200, timeout, too big). */
export type ScrapeFunction = (address: string, path: string, timeoutMs: number) => Promise<string>;

/** A vLLM page with many adapters and histograms is a few hundred KB; beyond this it is not a metrics page. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Scrapes over undici with an Agent of its own, so scrapes never queue behind (or hold) the request
 * path's connection pools; connections stay alive between the 50 ms scrapes.
 */
export class HttpScraper {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, pipelining: 1, connections: 2 });

  readonly scrape: ScrapeFunction = async (address, path, timeoutMs) => {
    const answer = await request(`http://${address}${path}`, {
      dispatcher: this.agent,
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: path === "/metrics" ? "text/plain" : "application/json" },
    });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      throw new Error(`${path} answered ${answer.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of answer.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        answer.body.destroy();
        throw new Error(`${path} is larger than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  };

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

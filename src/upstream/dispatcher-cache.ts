import { createHash } from "node:crypto";
import { type Dispatcher, Pool } from "undici";

const CONNECT_TIMEOUT_MS = 5_000;

/** How to reach an upstream origin: TLS settings from BackendTLSPolicy / Backend. */
export interface OriginSettings {
  /** "http://host:port" or "https://host:port". */
  origin: string;
  /** TLS: the name to verify the certificate against and send as SNI. */
  servername?: string;
  /** TLS: PEM CA bundle replacing the system CAs. */
  ca?: string;
  /** TLS: skip verification (Backend spec.tls.insecureSkipVerify). */
  insecureSkipVerify?: boolean;
}

/**
 * One connection pool per distinct origin and TLS settings, shared across configuration snapshots
 * so a reload keeps warm connections. Pools no longer referenced after a reload are closed
 * gracefully (undici lets in-flight requests finish).
 */
export class DispatcherCache {
  private pools = new Map<string, Pool>();

  get(settings: OriginSettings): Dispatcher {
    const key = cacheKey(settings);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(settings.origin, {
        connections: null,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        // Timeouts are applied per request by the gateway (rule timeouts); these are backstops.
        headersTimeout: 0,
        bodyTimeout: 0,
        // A backend that does not accept within 5 s is a connect failure (retried on another
        // backend); undici's default is 10 s.
        connectTimeout: CONNECT_TIMEOUT_MS,
        connect: settings.origin.startsWith("https:")
          ? {
              servername: settings.servername,
              ca: settings.ca,
              rejectUnauthorized: !settings.insecureSkipVerify,
            }
          : undefined,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools that the given settings no longer use (after a reload). */
  retainOnly(inUse: Iterable<OriginSettings>): void {
    const keep = new Set<string>();
    for (const s of inUse) keep.add(cacheKey(s));
    for (const [key, pool] of this.pools) {
      if (!keep.has(key)) {
        this.pools.delete(key);
        void pool.close().catch(() => undefined);
      }
    }
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

function cacheKey(s: OriginSettings): string {
  const ca = s.ca ? createHash("sha256").update(s.ca).digest("hex").slice(0, 16) : "";
  return `${s.origin}|${s.servername ?? ""}|${ca}|${s.insecureSkipVerify ? 1 : 0}`;
}

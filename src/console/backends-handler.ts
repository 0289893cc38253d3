import { JSON_TYPE } from "../gateway/send-response.js";
import type { PoolSnapshot } from "../inference/inference-pools.js";
import type { BackendHealth, BackendHealthRegistry } from "../upstream/backend-health.js";
import { errorAnswer } from "../usage/usage-api.js";
import { refuseUnknown, UsageParameterError } from "../usage/usage-parameters.js";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { BackendStats, WindowStats } from "./backend-stats.js";
import { WINDOW_MINUTES } from "./backend-stats.js";
import type { ConsoleHandler } from "./console-handler.js";
import { quantileMs } from "./log-histogram.js";

const WINDOW_MS = WINDOW_MINUTES * 60_000;

export interface BackendsHandlerDeps {
  /** Every AIServiceBackend of the served snapshot, "namespace/name" (aiServiceBackendsOf). */
  readonly backends: () => Iterable<string>;
  readonly stats: BackendStats;
  readonly health: BackendHealthRegistry;
  /** The endpoint picker's pools (InferencePools.snapshot()). */
  readonly pools: () => readonly PoolSnapshot[];
  /** The clock BackendHealth keeps its times on; default performance.now. */
  readonly monotonicNow?: () => number;
}

/**
 * `GET /console/api/backends`: every configured backend's attempts over the last five minutes and
 * since the start, with its health (passive ejection, Retry-After pause, active check), and every
 * InferencePool's endpoints with what the picker last scraped.
 */
export function backendsHandler(deps: BackendsHandlerDeps): ConsoleHandler {
  const monotonicNow = deps.monotonicNow ?? (() => performance.now());
  return (request) => {
    if (request.subpath !== "")
      return errorAnswer(404, "not_found", `no console endpoint backends/${request.subpath}`);
    try {
      refuseUnknown(request.query, []);
    } catch (err) {
      if (err instanceof UsageParameterError)
        return errorAnswer(400, "invalid_parameter", err.message, err.param);
      throw err;
    }
    const now = monotonicNow();
    // BackendHealth's times are on the monotonic clock; the answer's are wall-clock times.
    const epochOf = (at: number): string => isoTimestamp(request.nowMs - (now - at));
    const backends = [];
    for (const key of deps.backends()) {
      const window = deps.stats.window(key);
      const since = deps.stats.sinceStart(key);
      const health = deps.health.find(key);
      const described = health?.describe(now);
      backends.push({
        backend: key,
        ...windowJson(window),
        failovers: window.failovers,
        ejections: health?.ejectionsSince(now - WINDOW_MS) ?? 0,
        last_ejection: described?.lastEjection
          ? { time: epochOf(described.lastEjection.at), reason: described.lastEjection.reason }
          : null,
        health: healthOf(health, now),
        ejected_for_seconds: Math.ceil((described?.ejectedForMs ?? 0) / 1000),
        since_start: {
          requests: since.attempts,
          errors: since.errors,
          failovers: since.failovers,
          ejections: described?.totalEjections ?? 0,
        },
      });
    }
    const pools = deps.pools().map((pool) => ({
      pool: pool.key,
      endpoints: pool.endpoints.map((e) => {
        // A pool endpoint is a backend of its own to the attempt loop, health and these stats.
        const key = `${pool.key}@${e.address}`;
        return {
          endpoint: e.address,
          // The picker holds only the endpoints of Ready pods.
          ready: true,
          ...windowJson(deps.stats.window(key)),
          queue: e.waiting ?? null,
          kv_cache: e.kvCache ?? null,
          in_flight: e.inFlight,
          metrics_age_ms: e.lastScrapeAgeMs === undefined ? null : Math.round(e.lastScrapeAgeMs),
          scrape_error: e.scrapeError ?? null,
          health: healthOf(deps.health.find(key), now),
        };
      }),
    }));
    const body = JSON.stringify({ window_seconds: WINDOW_MS / 1000, backends, pools });
    return { status: 200, contentType: JSON_TYPE, body };
  };
}

function windowJson(window: WindowStats): Record<string, unknown> {
  return {
    requests: window.attempts,
    errors: window.errors,
    error_rate: window.attempts === 0 ? 0 : window.errors / window.attempts,
    latency_ms: { p50: quantileMs(window.latency, 0.5), p99: quantileMs(window.latency, 0.99) },
    ttft_ms: { p50: quantileMs(window.ttft, 0.5), p99: quantileMs(window.ttft, 0.99) },
  };
}

/** Ejected first (it has a time left to show), then the active check's verdict, then a Retry-After pause. */
function healthOf(health: BackendHealth | undefined, now: number): string {
  if (health === undefined) return "healthy";
  if (health.isEjected(now)) return "ejected";
  if (!health.activelyHealthy) return "unhealthy";
  if (health.describe(now).pausedForMs > 0) return "paused";
  return "healthy";
}

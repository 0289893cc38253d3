import type { Dispatcher } from "undici";
import type { RuntimeSnapshot } from "../config/snapshot.js";
import type { BackendHealthRegistry } from "./backend-health.js";
import type { ActiveHealthCheck } from "./traffic-policy.js";

/** What an active check needs to know about one backend. */
export interface CheckedBackend {
  readonly key: string;
  readonly hostHeader: string;
  readonly dispatcher: Dispatcher;
}

interface Probe {
  readonly timer: NodeJS.Timeout;
  readonly signature: string;
  successes: number;
  failures: number;
  running: boolean;
}

/**
 * `healthCheck.active` with `type: HTTP`: every `interval`, each backend of a route whose policy asks
 * for it gets the configured request; `unhealthyThreshold` failures in a row (a status not in
 * `expectedStatuses`, a connection error, or no answer within `timeout`) take it out of the
 * candidates, `healthyThreshold` successes in a row bring it back. A backend starts healthy, so a
 * reload never blacks out traffic while the first probes run. Probes carry no credentials.
 */
export class ActiveHealthChecker {
  private readonly probes = new Map<string, Probe>();

  constructor(private readonly health: BackendHealthRegistry) {}

  /** Runs the checks the given configuration asks for, and only those (after each load or reload). */
  sync(wanted: Iterable<{ backend: CheckedBackend; check: ActiveHealthCheck }>): void {
    const keep = new Set<string>();
    for (const { backend, check } of wanted) {
      const signature = JSON.stringify(check);
      keep.add(backend.key);
      const existing = this.probes.get(backend.key);
      if (existing?.signature === signature) continue;
      if (existing) clearInterval(existing.timer);
      const probe: Probe = {
        signature,
        successes: 0,
        failures: 0,
        running: false,
        timer: setInterval(() => this.probe(backend, check, probe), check.intervalMs),
      };
      probe.timer.unref();
      this.probes.set(backend.key, probe);
    }
    for (const [key, probe] of this.probes) {
      if (keep.has(key)) continue;
      clearInterval(probe.timer);
      this.probes.delete(key);
      this.health.get(key).activelyHealthy = true;
    }
  }

  stop(): void {
    for (const probe of this.probes.values()) clearInterval(probe.timer);
    this.probes.clear();
  }

  private probe(backend: CheckedBackend, check: ActiveHealthCheck, probe: Probe): void {
    if (probe.running) return;
    probe.running = true;
    const settle = (ok: boolean): void => {
      if (!probe.running) return;
      probe.running = false;
      clearTimeout(timer);
      const state = this.health.get(backend.key);
      if (ok) {
        probe.failures = 0;
        probe.successes += 1;
        if (!state.activelyHealthy && probe.successes >= check.healthyThreshold) state.activelyHealthy = true;
      } else {
        probe.successes = 0;
        probe.failures += 1;
        if (state.activelyHealthy && probe.failures >= check.unhealthyThreshold)
          state.activelyHealthy = false;
      }
    };
    const expected = check.expectedStatuses.length > 0 ? check.expectedStatuses : [200];
    let controller: Dispatcher.DispatchController | undefined;
    const timer = setTimeout(() => {
      controller?.abort(new Error("health check timeout"));
      settle(false);
    }, check.timeoutMs);
    backend.dispatcher.dispatch(
      { method: check.method, path: check.path, headers: { host: backend.hostHeader } },
      {
        onRequestStart: (c) => {
          controller = c;
        },
        onResponseStart: (_c, status) => settle(expected.includes(status)),
        onResponseData: () => undefined,
        onResponseEnd: () => undefined,
        onResponseError: () => settle(false),
      },
    );
  }
}

/** Every backend of a route whose TrafficPolicy has an active check, with that check (first one wins). */
export function activeChecksOf(
  snapshot: RuntimeSnapshot,
): { backend: CheckedBackend; check: ActiveHealthCheck }[] {
  const out = new Map<string, { backend: CheckedBackend; check: ActiveHealthCheck }>();
  for (const route of snapshot.routes) {
    const check = route.traffic.active;
    if (!check) continue;
    for (const rule of route.rules) {
      for (const tier of rule.tiers) {
        for (const ref of tier)
          if (!out.has(ref.backend.key)) out.set(ref.backend.key, { backend: ref.backend, check });
      }
    }
  }
  return [...out.values()];
}

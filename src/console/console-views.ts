import type { RuntimeSnapshot } from "../config/snapshot.js";
import { aiServiceBackendsOf } from "../config/snapshot-backends.js";
import type { RequestRecord } from "../gateway/request-record.js";
import type { InferencePools } from "../inference/inference-pools.js";
import type { LimitStores } from "../limits/token-limit-policy.js";
import type { BackendHealthRegistry } from "../upstream/backend-health.js";
import type { Ledger } from "../usage/ledger.js";
import { BackendStats } from "./backend-stats.js";
import { backendsHandler } from "./backends-handler.js";
import { type ConfigStatus, configHandler } from "./config-status.js";
import type { ConsoleHandler } from "./console-handler.js";
import { limitsHandler } from "./limits-handler.js";
import { LimitsView } from "./limits-view.js";
import { OverheadSeries } from "./overhead-series.js";
import { overviewHandler } from "./overview-handler.js";
import { RecentRequests } from "./recent-requests.js";
import { requestsHandler } from "./requests-handler.js";
import { servedLimitRules } from "./served-limit-rules.js";
import { usageHandler } from "./usage-handler.js";

/** What the console's endpoints read besides the aggregates: the gateway's live parts. */
export interface ConsoleSources {
  /** The snapshot being served (it changes on every reload). */
  readonly snapshot: () => RuntimeSnapshot;
  readonly config: ConfigStatus;
  readonly health: BackendHealthRegistry;
  readonly picker: InferencePools;
  readonly limitStores: LimitStores;
  readonly ledger: Ledger | undefined;
  /** The `--request-header-attributes` names. */
  readonly attributeNames: readonly string[];
}

/**
 * The console's in-memory views of this process's traffic (latest requests, backends, gateway
 * overhead, limit buckets seen), fed once per finished request, and the console's JSON endpoints
 * over them and over the gateway's live parts. `observe` is on every request's way out: each view
 * writes into storage allocated once, O(attempts + limits), and keeps no reference to the record
 * or the objects every record has (held, they would be promoted to old space: see RecentRequests).
 */
export class ConsoleViews {
  private readonly recent = new RecentRequests();
  private readonly backends = new BackendStats();
  private readonly overhead = new OverheadSeries();
  private readonly limits = new LimitsView();

  observe(record: RequestRecord, endEpochMs: number): void {
    this.recent.add(record, endEpochMs);
    this.backends.observe(record, endEpochMs);
    this.overhead.observe(record, endEpochMs);
    this.limits.observe(record);
  }

  /** After a reload: removed backends and pool endpoints are forgotten. */
  retainBackends(keys: Iterable<string>): void {
    this.backends.retainOnly(keys);
  }

  /** The JSON endpoints by name (docs/console.md). */
  handlers(sources: ConsoleSources): Map<string, ConsoleHandler> {
    return new Map<string, ConsoleHandler>([
      ["config", configHandler(sources.config)],
      [
        "overview",
        overviewHandler({
          ledger: sources.ledger,
          attributeNames: sources.attributeNames,
          overhead: this.overhead,
        }),
      ],
      ["usage", usageHandler({ ledger: sources.ledger, attributeNames: sources.attributeNames })],
      ["requests", requestsHandler(this.recent)],
      [
        "backends",
        backendsHandler({
          backends: () => aiServiceBackendsOf(sources.snapshot()),
          stats: this.backends,
          health: sources.health,
          pools: () => sources.picker.snapshot(),
        }),
      ],
      [
        "limits",
        limitsHandler({
          rules: () => servedLimitRules(sources.snapshot().routes),
          view: this.limits,
          stores: sources.limitStores,
        }),
      ],
    ]);
  }
}

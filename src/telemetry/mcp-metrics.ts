import type { Registry } from "prom-client";
import type { McpRequestRecord } from "../mcp/mcp-request-record.js";
import { type CounterSeries, type HistogramSeries, KeyedCounter, KeyedHistogram } from "./keyed-metrics.js";
import { OVERFLOW_VALUE } from "./label-value-limiter.js";
import { MCP_DURATION_BUCKETS } from "./metric-buckets.js";

/**
 * The methods of every MCP revision: the values `mcp_method_name` takes. A client may send any
 * method (and is answered -32601); counting it under its own name would let it grow the series
 * without bound, so anything else is `_other`.
 */
const MCP_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "tasks/get",
  "tasks/result",
  "tasks/list",
  "tasks/cancel",
  "server/discover",
  "subscriptions/listen",
  "sampling/createMessage",
  "elicitation/create",
  "roots/list",
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/message",
  "notifications/roots/list_changed",
  "notifications/elicitation/complete",
  "notifications/tasks/status",
]);

/**
 * Envoy AI Gateway's MCP metrics (internal/metrics/mcp_metrics.go) under the names its Prometheus
 * exporter gives them: `mcp.request.duration` (seconds, `error.type` on failures; the 0.005 to 10 s
 * buckets), `mcp.method.count` (`mcp.method.name`, `status` success or error) and
 * `mcp.initialization.duration` (successful initializes). One observation per finished MCP request
 * (`observe`), from the record the proxy reports. Made on the gateway's registry when the first
 * MCP request is observed: a gateway without MCP routes shows none of them.
 */
export class McpMetrics {
  private readonly requestDuration: KeyedHistogram;
  private readonly initializationDuration: KeyedHistogram;
  private readonly methodCount: KeyedCounter;
  private readonly durationSeries = new Map<string, HistogramSeries>();
  private readonly countSeries = new Map<string, CounterSeries>();
  private initializationSeries: HistogramSeries | undefined;

  constructor(registry: Registry) {
    this.requestDuration = new KeyedHistogram({
      name: "mcp_request_duration_seconds",
      help: "Duration of MCP requests",
      labelNames: ["error_type"],
      buckets: MCP_DURATION_BUCKETS,
      registry,
    });
    this.methodCount = new KeyedCounter({
      name: "mcp_method_count_total",
      help: "Total number of MCP methods invoked",
      labelNames: ["mcp_method_name", "status"],
      registry,
    });
    this.initializationDuration = new KeyedHistogram({
      name: "mcp_initialization_duration_seconds",
      help: "Duration of MCP initialization",
      labelNames: [],
      buckets: MCP_DURATION_BUCKETS,
      registry,
    });
  }

  observe(record: McpRequestRecord): void {
    const failed = record.status >= 400 || record.error !== undefined;
    const seconds = record.durationMs / 1000;
    // A GET is the notification stream, open for as long as the session: its length says nothing
    // about how fast MCP requests are answered.
    if (record.httpMethod !== "GET") {
      const errorType = failed ? (record.error ?? "_OTHER") : "";
      let duration = this.durationSeries.get(errorType);
      if (!duration) {
        duration = this.requestDuration.seriesOf(errorType, failed ? { error_type: errorType } : {});
        this.durationSeries.set(errorType, duration);
      }
      this.requestDuration.add(duration, seconds);
    }
    const method =
      record.method === undefined
        ? undefined
        : MCP_METHODS.has(record.method)
          ? record.method
          : OVERFLOW_VALUE;
    // As upstream: a success is counted by method; a failure as an error (by method when there is one).
    if (method !== undefined || failed) {
      const status = failed ? "error" : "success";
      const key = `${method ?? ""}\u0001${status}`;
      let count = this.countSeries.get(key);
      if (!count) {
        count = this.methodCount.seriesOf(
          key,
          method === undefined ? { status } : { mcp_method_name: method, status },
        );
        this.countSeries.set(key, count);
      }
      count.value += 1;
    }
    if (record.method === "initialize" && !failed) {
      this.initializationSeries ??= this.initializationDuration.seriesOf("", {});
      this.initializationDuration.add(this.initializationSeries, seconds);
    }
  }
}

import { Counter, Gauge, Registry } from "prom-client";
import type { InferenceRecord, LimitRecord, RequestRecord } from "../gateway/request-record.js";
import type { PoolSnapshot } from "../inference/inference-pools.js";
import type { McpRequestRecord } from "../mcp/mcp-request-record.js";
import { type CounterSeries, type HistogramSeries, KeyedCounter, KeyedHistogram } from "./keyed-metrics.js";
import { LabelValueLimiter } from "./label-value-limiter.js";
import { McpMetrics } from "./mcp-metrics.js";
import {
  OVERHEAD_BUCKETS,
  REQUEST_DURATION_BUCKETS,
  TIME_PER_OUTPUT_TOKEN_BUCKETS,
  TIME_TO_FIRST_TOKEN_BUCKETS,
  TOKEN_USAGE_BUCKETS,
} from "./metric-buckets.js";

/** What a metrics registry reads from the rest of the gateway when it is scraped. */
export interface MetricsSources {
  /** The usage ledger's queue and cumulative write failures; undefined with the ledger off. */
  readonly ledger?: () => { readonly queued: number; readonly writeFailures: number };
  /** Passive health checks' ejections so far, by backend. */
  readonly ejections?: () => Iterable<readonly [string, number]>;
  /** The endpoint picker's view of every InferencePool (scraped load, in-flight, freshness). */
  readonly pools?: () => readonly PoolSnapshot[];
}

export interface GatewayMetricsOptions {
  /** Attribute names (of the request's header attributes) that become labels, e.g. tenant.id. */
  readonly attributeNames: readonly string[];
  /** Distinct values a client-controlled label keeps before it records `_other` (default 1,000). */
  readonly maxLabelValues?: number;
  readonly sources?: MetricsSources;
}

/** The labels every GenAI metric has, as Prometheus spells upstream's OpenTelemetry attributes. */
const GEN_AI_LABELS = [
  "gen_ai_operation_name",
  "gen_ai_provider_name",
  "gen_ai_original_model",
  "gen_ai_request_model",
  "gen_ai_response_model",
  "error_type",
] as const;

const TOKEN_TYPE = "gen_ai_token_type";
const INPUT = [TOKEN_TYPE, "input"] as const;
const OUTPUT = [TOKEN_TYPE, "output"] as const;
const CACHED_INPUT = [TOKEN_TYPE, "cached_input"] as const;
const CACHE_CREATION_INPUT = [TOKEN_TYPE, "cache_creation_input"] as const;
const REASONING = [TOKEN_TYPE, "reasoning"] as const;

/** One label value in a series key: its length, then itself. */
function part(value: string): string {
  return `${value.length}:${value}`;
}

/** A header attribute's Prometheus label: `tenant.id` becomes `tenant_id`. */
function labelNameOf(attribute: string): string {
  const name = attribute.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * The labels header attributes become, in order; throws when one would take a GenAI label's name
 * or another attribute's (`tenant.id` and `tenant_id` both become `tenant_id`).
 */
export function attributeLabelNames(attributeNames: readonly string[]): string[] {
  const taken = new Set<string>([...GEN_AI_LABELS, TOKEN_TYPE]);
  return attributeNames.map((attribute) => {
    const label = labelNameOf(attribute);
    if (taken.has(label)) {
      throw new Error(`header attribute ${attribute} would be the metric label ${label}, which is taken`);
    }
    taken.add(label);
    return label;
  });
}

/**
 * Every series of one GenAI label set, found with one lookup a request. Only those observed exist
 * (a label set that never had usage has no token series, as with prom-client's own).
 */
interface SeriesGroup {
  readonly duration: HistogramSeries;
  tokens: TokenSeries | undefined;
  ttft: HistogramSeries | undefined;
  tpot: HistogramSeries | undefined;
}

interface TokenSeries {
  readonly input: HistogramSeries;
  readonly output: HistogramSeries;
  readonly cachedInput: HistogramSeries;
  readonly cacheCreationInput: HistogramSeries;
  readonly reasoning: HistogramSeries;
}

interface AttributeLabel {
  readonly attribute: string;
  readonly label: string;
  readonly values: LabelValueLimiter;
}

/**
 * The gateway's metrics, served as Prometheus text on the admin listener's /metrics: Envoy AI
 * Gateway's OpenTelemetry GenAI metrics under the names its Prometheus exporter gives them (so its
 * Grafana dashboard works unchanged), and aigw's own under `aigw_`. A finished request is observed
 * once (`observeRequest`, from the report every request ends with); the rest is read at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly tokenUsage: KeyedHistogram;
  private readonly requestDuration: KeyedHistogram;
  private readonly timeToFirstToken: KeyedHistogram;
  private readonly timePerOutputToken: KeyedHistogram;
  private readonly overhead: KeyedHistogram;
  private readonly attempts: KeyedCounter;
  private readonly failovers: KeyedCounter;
  private readonly limitDecisions: KeyedCounter;
  private readonly inferenceDecisions: KeyedCounter;
  private readonly configReloads: Counter<string>;
  private readonly configInfo: Gauge<string>;
  private readonly attributeLabels: readonly AttributeLabel[];
  /** Series groups by the key of their label values. */
  private readonly groups = new Map<string, SeriesGroup>();
  /**
   * Series found without building a key or a labels object: overhead by operation, and attempts by
   * backend and outcome (two lookups of strings the request already holds).
   */
  private readonly overheadSeries = new Map<string, HistogramSeries>();
  private readonly attemptSeries = new Map<string, Map<string, CounterSeries>>();
  /** Values a client or an upstream chooses: bounded like header attributes. */
  private readonly originalModels: LabelValueLimiter;
  private readonly requestModels: LabelValueLimiter;
  private readonly responseModels: LabelValueLimiter;
  private mcp: McpMetrics | undefined;

  constructor(options: GatewayMetricsOptions) {
    const max = options.maxLabelValues ?? 1_000;
    this.originalModels = new LabelValueLimiter(max);
    this.requestModels = new LabelValueLimiter(max);
    this.responseModels = new LabelValueLimiter(max);
    const labels = attributeLabelNames(options.attributeNames);
    this.attributeLabels = options.attributeNames.map((attribute, i) => ({
      attribute,
      label: labels[i]!,
      values: new LabelValueLimiter(max),
    }));
    const genAiLabels = [...GEN_AI_LABELS, ...this.attributeLabels.map((a) => a.label)];
    const registers = [this.registry];
    const registry = this.registry;
    this.tokenUsage = new KeyedHistogram({
      name: "gen_ai_client_token_usage",
      help: "Number of tokens processed.",
      labelNames: [...genAiLabels, TOKEN_TYPE],
      buckets: TOKEN_USAGE_BUCKETS,
      registry,
    });
    this.requestDuration = new KeyedHistogram({
      name: "gen_ai_server_request_duration_seconds",
      help: "Generative AI server request duration such as time-to-last byte or last output token.",
      labelNames: genAiLabels,
      buckets: REQUEST_DURATION_BUCKETS,
      registry,
    });
    this.timeToFirstToken = new KeyedHistogram({
      name: "gen_ai_server_time_to_first_token_seconds",
      help: "Time to receive first token in streaming responses.",
      labelNames: genAiLabels,
      buckets: TIME_TO_FIRST_TOKEN_BUCKETS,
      registry,
    });
    this.timePerOutputToken = new KeyedHistogram({
      name: "gen_ai_server_time_per_output_token_seconds",
      help: "Time per output token generated after the first token for successful responses.",
      labelNames: genAiLabels,
      buckets: TIME_PER_OUTPUT_TOKEN_BUCKETS,
      registry,
    });
    this.overhead = new KeyedHistogram({
      name: "aigw_overhead_seconds",
      help: "The gateway's own time per routed request: its duration less the time spent in upstream attempts.",
      labelNames: ["gen_ai_operation_name"],
      buckets: OVERHEAD_BUCKETS,
      registry,
    });
    this.attempts = new KeyedCounter({
      name: "aigw_upstream_attempts_total",
      help: "Upstream attempts by backend and outcome (success, status_<code>, or the failure's name).",
      labelNames: ["backend", "outcome"],
      registry,
    });
    this.failovers = new KeyedCounter({
      name: "aigw_upstream_failovers_total",
      help: "Requests moved to another backend after an attempt failed, by the failure.",
      labelNames: ["reason"],
      registry,
    });
    this.limitDecisions = new KeyedCounter({
      name: "aigw_rate_limit_decisions_total",
      help: "Token rate-limit and quota counters checked, by rule and outcome (allowed, refused, shadow_refused, unknown).",
      labelNames: ["rule", "outcome"],
      registry,
    });
    this.inferenceDecisions = new KeyedCounter({
      name: "aigw_inference_decisions_total",
      help: "Endpoint picker decisions by pool, endpoint and outcome (scored, saturated, stale, random, round-robin; shed and no_endpoint with no endpoint).",
      labelNames: ["pool", "endpoint", "outcome"],
      registry,
    });
    this.configReloads = new Counter({
      name: "aigw_config_reloads_total",
      help: "Configuration reloads, applied or rejected (the previous configuration kept serving).",
      labelNames: ["result"],
      registers,
    });
    this.configInfo = new Gauge({
      name: "aigw_config_info",
      help: "1 for the configuration serving, labelled with a hash of its resources.",
      labelNames: ["hash"],
      registers,
    });
    const ejections = options.sources?.ejections;
    if (ejections) {
      new Counter({
        name: "aigw_upstream_ejections_total",
        help: "Backends ejected by passive health checks (outlier detection), by backend.",
        labelNames: ["backend"],
        registers,
        collect() {
          this.reset();
          for (const [backend, count] of ejections()) this.inc({ backend }, count);
        },
      });
    }
    const pools = options.sources?.pools;
    if (pools) registerPoolGauges(pools, registers);
    const ledger = options.sources?.ledger;
    if (ledger) {
      new Gauge({
        name: "aigw_ledger_queue_depth",
        help: "Usage ledger records waiting in memory to be written (records spilled to disk are not counted).",
        registers,
        collect() {
          this.set(ledger().queued);
        },
      });
      new Counter({
        name: "aigw_ledger_write_failures_total",
        help: "Usage ledger batch writes that failed (each was retried).",
        registers,
        collect() {
          this.reset();
          this.inc(ledger().writeFailures);
        },
      });
    }
  }

  /** Prometheus text of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The configuration now serving; `reloaded` tells a reload from the first load. */
  configApplied(hash: string, reloaded: boolean): void {
    if (reloaded) this.configReloads.inc({ result: "applied" });
    this.configInfo.reset();
    this.configInfo.set({ hash }, 1);
  }

  configRejected(): void {
    this.configReloads.inc({ result: "rejected" });
  }

  /**
   * One finished request, once. Requests that matched no route are not counted; the GenAI metrics
   * count only those that reached a backend, with `error_type` on the failed ones.
   */
  observeRequest(record: RequestRecord): void {
    if (record.route === undefined) return;
    // Before the backend check: a request a limit refused reached none.
    if (record.limits !== undefined) this.observeLimits(record.limits);
    if (record.inference !== undefined) this.observeInference(record.inference);
    let upstreamMs = 0;
    for (const attempt of record.attempts) upstreamMs += attempt.durationMs;
    let overhead = this.overheadSeries.get(record.operation);
    if (!overhead) {
      overhead = this.overhead.seriesOf(record.operation, { gen_ai_operation_name: record.operation });
      this.overheadSeries.set(record.operation, overhead);
    }
    this.overhead.add(overhead, Math.max(0, record.durationMs - upstreamMs) / 1000);
    if (record.backend === undefined) return;
    this.observeAttempts(record);
    const failed = record.status >= 400 || record.error !== undefined;
    const labels: Record<string, string> = {
      gen_ai_operation_name: record.operation,
      gen_ai_provider_name: record.provider ?? "",
      gen_ai_original_model: this.originalModels.value(record.originalModel ?? ""),
      gen_ai_request_model: this.requestModels.value(record.requestModel ?? ""),
      gen_ai_response_model: this.responseModels.value(record.responseModel ?? ""),
    };
    // Values a client chooses (model names) may hold any character: each is length-prefixed, so
    // that no two label sets make the same key.
    let key =
      `${labels.gen_ai_operation_name}\u0001${labels.gen_ai_provider_name}\u0001${part(labels.gen_ai_original_model!)}` +
      `${part(labels.gen_ai_request_model!)}${part(labels.gen_ai_response_model!)}`;
    // The gateway's own name for the failure where it has one (timeout, upstream_unreachable...);
    // an upstream's error status relayed as it came is OpenTelemetry's catch-all.
    if (failed) {
      labels.error_type = record.error ?? "_OTHER";
      key += `\u0001e${labels.error_type}`;
    }
    const attributes = record.metricAttributes ?? record.attributes;
    if (attributes) {
      for (const a of this.attributeLabels) {
        const value = attributes[a.attribute];
        if (value === undefined) continue;
        labels[a.label] = a.values.value(value);
        key += `${a.label}${part(labels[a.label]!)}`;
      }
    }
    let group = this.groups.get(key);
    if (!group) {
      group = this.newGroup(key, labels);
      this.groups.set(key, group);
    }
    this.requestDuration.add(group.duration, record.durationMs / 1000);
    const u = record.usage;
    // Usage the upstream reported (a failure has none, unless a stream broke after counting some).
    if (!failed || u.totalTokens > 0) {
      const tokens = this.tokenUsage;
      group.tokens ??= this.tokenSeries(key, labels);
      const series = group.tokens;
      tokens.add(series.input, u.inputTokens);
      tokens.add(series.output, u.outputTokens);
      tokens.add(series.cachedInput, u.cachedInputTokens);
      tokens.add(series.cacheCreationInput, u.cacheCreationInputTokens);
      tokens.add(series.reasoning, u.reasoningTokens);
    }
    const ttftMs = record.timeToFirstByteMs;
    if (record.stream && ttftMs !== undefined) {
      group.ttft ??= this.timeToFirstToken.seriesOf(key, labels);
      this.timeToFirstToken.add(group.ttft, ttftMs / 1000);
      if (u.outputTokens > 1) {
        group.tpot ??= this.timePerOutputToken.seriesOf(key, labels);
        this.timePerOutputToken.add(group.tpot, (record.durationMs - ttftMs) / 1000 / (u.outputTokens - 1));
      }
    }
  }

  /** One finished MCP request, once (the MCP metrics appear with the first). */
  observeMcpRequest(record: McpRequestRecord): void {
    this.mcp ??= new McpMetrics(this.registry);
    this.mcp.observe(record);
  }

  /** The series one label set has in each GenAI histogram; the others are made when first needed. */
  private newGroup(key: string, labels: Readonly<Record<string, string>>): SeriesGroup {
    return {
      duration: this.requestDuration.seriesOf(key, labels),
      tokens: undefined,
      ttft: undefined,
      tpot: undefined,
    };
  }

  private tokenSeries(key: string, labels: Readonly<Record<string, string>>): TokenSeries {
    const tokens = this.tokenUsage;
    return {
      input: tokens.seriesOf(`${key}\u0001input`, labels, INPUT),
      output: tokens.seriesOf(`${key}\u0001output`, labels, OUTPUT),
      cachedInput: tokens.seriesOf(`${key}\u0001cached_input`, labels, CACHED_INPUT),
      cacheCreationInput: tokens.seriesOf(`${key}\u0001cache_creation_input`, labels, CACHE_CREATION_INPUT),
      reasoning: tokens.seriesOf(`${key}\u0001reasoning`, labels, REASONING),
    };
  }

  /** Pools and endpoint addresses come from the configuration (bounded): fine as label values. */
  private observeInference(decision: InferenceRecord): void {
    const endpoint = decision.refused === undefined ? (decision.endpoint ?? "") : "";
    const outcome = decision.refused ?? decision.reason ?? "none";
    this.inferenceDecisions.incKeyed(`${decision.pool}\u0001${endpoint}\u0001${outcome}`, {
      pool: decision.pool,
      endpoint,
      outcome,
    });
  }

  /** Rule ids are configuration names (bounded): fine as label values. */
  private observeLimits(limits: readonly LimitRecord[]): void {
    for (const l of limits) {
      this.limitDecisions.incKeyed(`${l.rule}\u0001${l.outcome}`, { rule: l.rule, outcome: l.outcome });
    }
  }

  private observeAttempts(record: RequestRecord): void {
    const attempts = record.attempts;
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i]!;
      const outcome =
        attempt.error ??
        (attempt.status > 0 && attempt.status < 400 ? "success" : `status_${attempt.status}`);
      let byOutcome = this.attemptSeries.get(attempt.backend);
      if (!byOutcome) {
        byOutcome = new Map();
        this.attemptSeries.set(attempt.backend, byOutcome);
      }
      let series = byOutcome.get(outcome);
      if (!series) {
        series = this.attempts.seriesOf(`${attempt.backend}\u0001${outcome}`, {
          backend: attempt.backend,
          outcome,
        });
        byOutcome.set(outcome, series);
      }
      series.value += 1;
      const next = attempts[i + 1];
      if (next && next.backend !== attempt.backend) this.failovers.incKeyed(outcome, { reason: outcome });
    }
  }
}

/**
 * The endpoint picker's state at scrape time: the reference picker's pool gauges under its names
 * (inference_pool_*, label `name`), and per endpoint what the picker last scraped and counts itself.
 */
function registerPoolGauges(pools: () => readonly PoolSnapshot[], registers: Registry[]): void {
  const poolGauge = (name: string, help: string, value: (p: PoolSnapshot) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ["name"],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) {
          const v = value(p);
          if (v !== undefined) this.set({ name: p.key }, v);
        }
      },
    });
  const average = (p: PoolSnapshot, of: (e: PoolSnapshot["endpoints"][number]) => number | undefined) => {
    let sum = 0;
    let n = 0;
    for (const e of p.endpoints) {
      const v = of(e);
      if (v === undefined) continue;
      sum += v;
      n += 1;
    }
    return n === 0 ? undefined : sum / n;
  };
  poolGauge("inference_pool_ready_pods", "Ready endpoints of the pool.", (p) => p.endpoints.length);
  poolGauge(
    "inference_pool_average_queue_size",
    "Average waiting requests the pool's endpoints report.",
    (p) => average(p, (e) => e.waiting),
  );
  poolGauge(
    "inference_pool_average_kv_cache_utilization",
    "Average KV-cache utilisation (0..1) the pool's endpoints report.",
    (p) => average(p, (e) => e.kvCache),
  );
  const endpointGauge = (
    name: string,
    help: string,
    value: (e: PoolSnapshot["endpoints"][number]) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["pool", "endpoint"],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) {
          for (const e of p.endpoints) {
            const v = value(e);
            if (v !== undefined) this.set({ pool: p.key, endpoint: e.address }, v);
          }
        }
      },
    });
  endpointGauge(
    "aigw_inference_endpoint_waiting_requests",
    "Waiting requests at the last scrape.",
    (e) => e.waiting,
  );
  endpointGauge(
    "aigw_inference_endpoint_running_requests",
    "Running requests at the last scrape.",
    (e) => e.running,
  );
  endpointGauge(
    "aigw_inference_endpoint_kv_cache_usage",
    "KV-cache usage (0..1) at the last scrape.",
    (e) => e.kvCache,
  );
  endpointGauge(
    "aigw_inference_endpoint_in_flight_requests",
    "Requests the gateway has in flight to the endpoint.",
    (e) => e.inFlight,
  );
  endpointGauge(
    "aigw_inference_endpoint_metrics_fresh",
    "1 while the endpoint's metrics are fresh (a scrape succeeded within 1 s), else 0: ranked by in-flight alone.",
    (e) => (e.fresh ? 1 : 0),
  );
}

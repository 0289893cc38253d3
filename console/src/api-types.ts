// The answers of the console's JSON API, as docs/console.md states them.

export type Costs = Record<string, number>;

export interface TopEntry {
  value: string | null;
  requests: number;
}

export interface Overview {
  from: string;
  to: string;
  bucket_seconds: number;
  source: string;
  totals: {
    requests: number;
    errors: number;
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    costs: Costs;
  };
  series: {
    time: number[];
    requests: number[];
    errors: number[];
    input_tokens: number[];
    output_tokens: number[];
    costs: Record<string, number[]>;
  };
  overhead: { time: number[]; p50_ms: (number | null)[]; p99_ms: (number | null)[] };
  top: Record<string, TopEntry[]>;
}

export interface UsageRow {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  costs: Costs;
  /** The group keys, by dimension name (and the other token counts, which the table does not show). */
  [key: string]: unknown;
}

export interface UsageGroupSeries {
  /** null for the groups beyond the twelfth, summed. */
  keys: Record<string, string | null> | null;
  requests: number[];
  total_tokens: number[];
}

export interface Usage {
  from: string;
  to: string;
  bucket_seconds: number;
  group_by: string[];
  dimensions: string[];
  rows: UsageRow[];
  series: { time: number[]; groups: UsageGroupSeries[] };
}

export interface LimitBucket {
  bucket: string;
  used: number;
  limit: number;
  remaining: number;
  window_end: string;
  resets_in_seconds: number;
}

export interface LimitRule {
  rule: string;
  kind: string;
  limit: number;
  window_seconds: number;
  shadow: boolean;
  distinct: boolean;
  buckets: LimitBucket[];
}

export interface Limits {
  rules: LimitRule[];
}

export interface Percentiles {
  p50: number | null;
  p99: number | null;
}

export type Health = "healthy" | "ejected" | "paused" | "unhealthy";

export interface BackendStats {
  backend: string;
  requests: number;
  errors: number;
  error_rate: number | null;
  latency_ms: Percentiles;
  ttft_ms: Percentiles;
  failovers: number;
  ejections: number;
  last_ejection: { time: string; reason: string } | null;
  health: Health;
  ejected_for_seconds: number;
}

export interface PoolEndpoint {
  endpoint: string;
  ready: boolean;
  requests: number;
  errors: number;
  error_rate: number | null;
  latency_ms: Percentiles;
  ttft_ms: Percentiles;
  queue: number | null;
  kv_cache: number | null;
  metrics_age_ms: number | null;
  health: Health;
}

export interface Backends {
  window_seconds: number;
  backends: BackendStats[];
  pools: { pool: string; endpoints: PoolEndpoint[] }[];
}

export interface RequestSummary {
  seq: number;
  id: string;
  time: string;
  model: string | null;
  consumer: string | null;
  attributes: Record<string, string>;
  status: number;
  duration_ms: number;
  ttft_ms: number | null;
  route: string | null;
  backend: string | null;
  error: string | null;
}

export interface Requests {
  records: RequestSummary[];
  last_seq: number;
}

/** One record in full: the summary's fields and the rest, shown as given. */
export type RequestRecord = RequestSummary & Record<string, unknown>;

export interface Config {
  hash: string;
  generation: number;
  applied_at: string;
  sources: string[];
  resources: { kind: string; namespace: string; name: string; status: string }[];
  ignored: string[];
  warnings: string[];
  last_reload: { time: string; outcome: string; errors: string | null } | null;
}

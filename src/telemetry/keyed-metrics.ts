import { Counter, Histogram, type MetricType, type Registry } from "prom-client";

/**
 * prom-client's Histogram and Counter with a faster way in, for the request path. Their own
 * `observe(labels, value)` validates and hashes the labels object on every call: with the GenAI
 * metrics' six labels and seven observations a request, that was ~14 µs a request, a quarter of
 * what the gateway spends on one. Here a series is found by a key the caller builds once a request
 * (its label values joined), and the labels object is only made when a series is new. prom-client
 * still renders the text: the registry formats what `get()` (for a histogram `getForPromString()`)
 * returns, which these override.
 */

/** One more label for a series: [name, value]. */
type Extra = readonly [string, string];

function labelsOf(
  labels: Readonly<Record<string, string>>,
  extra: Extra | undefined,
): Record<string, string> {
  return extra ? { ...labels, [extra[0]]: extra[1] } : { ...labels };
}

interface KeyedConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registry: Registry;
}

/** The parts of what `get()` returns that are not values (prom-client's MetricObject). */
interface Description {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly aggregator: "sum";
  readonly collect: () => void;
}

/**
 * prom-client's typings declare `type` a numeric enum, while the metric classes hold and the
 * registry prints the text ("histogram", "counter"): it is read from the instance.
 */
function describe(metric: Counter<string> | Histogram<string>, config: KeyedConfig): Description {
  const { type } = metric as unknown as { type: MetricType };
  return { name: config.name, help: config.help, type, aggregator: "sum", collect: () => undefined };
}

export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class KeyedHistogram extends Histogram<string> {
  private readonly series = new Map<string, HistogramSeries>();
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly description: Description;

  constructor(config: KeyedConfig & { readonly buckets: readonly number[] }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      buckets: [...config.buckets],
      registers: [config.registry],
    });
    this.bounds = config.buckets;
    this.metricName = config.name;
    this.description = describe(this, config);
  }

  /**
   * The series `key`, which the caller makes from the label values (equal keys for equal labels);
   * the first time a key is seen its labels are copied from `labels` (plus `extra`). A caller may
   * keep the series and `add` to it without looking it up again.
   */
  seriesOf(key: string, labels: Readonly<Record<string, string>>, extra?: Extra): HistogramSeries {
    let series = this.series.get(key);
    if (!series) {
      series = {
        labels: labelsOf(labels, extra),
        counts: new Float64Array(this.bounds.length + 1),
        sum: 0,
        count: 0,
      };
      this.series.set(key, series);
    }
    return series;
  }

  /** Records one observation in a series of this histogram. */
  add(series: HistogramSeries, value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }

  observeKeyed(key: string, value: number, labels: Readonly<Record<string, string>>, extra?: Extra): void {
    this.add(this.seriesOf(key, labels, extra), value);
  }

  /** What the registry renders (it prefers this to `get()` for histograms). */
  getForPromString(): ReturnType<Histogram<string>["get"]> {
    return this.get();
  }

  override async get(): ReturnType<Histogram<string>["get"]> {
    const values: Awaited<ReturnType<Histogram<string>["get"]>>["values"] = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      const name = this.metricName;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += counts[i]!;
        values.push({
          labels: { ...labels, le: this.bounds[i]! },
          value: cumulative,
          metricName: `${name}_bucket`,
        });
      }
      values.push({ labels: { ...labels, le: "+Inf" }, value: count, metricName: `${name}_bucket` });
      values.push({ labels, value: sum, metricName: `${name}_sum` });
      values.push({ labels, value: count, metricName: `${name}_count` });
    }
    return { ...this.description, values };
  }
}

export interface CounterSeries {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

export class KeyedCounter extends Counter<string> {
  private readonly series = new Map<string, CounterSeries>();
  private readonly description: Description;

  constructor(config: KeyedConfig) {
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [config.registry],
    });
    this.description = describe(this, config);
  }

  /** Adds one to the series `key` (made as KeyedHistogram.seriesOf makes one). */
  incKeyed(key: string, labels: Readonly<Record<string, string>>): void {
    this.seriesOf(key, labels).value += 1;
  }

  /** The series `key`, made with a copy of `labels` the first time; a caller may keep it and add to `value`. */
  seriesOf(key: string, labels: Readonly<Record<string, string>>): CounterSeries {
    let series = this.series.get(key);
    if (!series) {
      series = { labels: labelsOf(labels, undefined), value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  override async get(): ReturnType<Counter<string>["get"]> {
    const values = [...this.series.values()].map(({ labels, value }) => ({ labels, value }));
    return { ...this.description, values };
  }
}

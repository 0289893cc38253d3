/**
 * A reader of the Prometheus text exposition format (version 0.0.4) for tests: every sample line
 * as name, labels and value, and the TYPE of every family. Written to the format's grammar, not to
 * what prom-client happens to print: label values may hold escaped quotes, backslashes and
 * newlines, and labels come in any order.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Family name -> counter, gauge, histogram, summary or untyped. */
  readonly types: ReadonlyMap<string, string>;
}

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const typed = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (typed) types.set(typed[1]!, typed[2]!);
      continue;
    }
    samples.push(parseSample(line));
  }
  return { samples, types };
}

function parseSample(line: string): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) throw new Error(`not a sample line: ${line}`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i += 1;
    while (line[i] !== "}") {
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
      if (!label || line[i + label.length] !== "=" || line[i + label.length + 1] !== '"') {
        throw new Error(`bad label at ${i} in: ${line}`);
      }
      i += label.length + 2;
      let value = "";
      for (; line[i] !== '"'; i++) {
        if (i >= line.length) throw new Error(`unterminated label value in: ${line}`);
        if (line[i] === "\\") {
          i += 1;
          value += line[i] === "n" ? "\n" : line[i];
        } else value += line[i];
      }
      i += 1;
      labels[label] = value;
      if (line[i] === ",") i += 1;
    }
    i += 1;
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
  if (valueText === undefined || (Number.isNaN(value) && valueText !== "NaN")) {
    throw new Error(`bad value in: ${line}`);
  }
  return { name, labels, value };
}

/** A label matcher of a PromQL selector: =, !=, =~ or !~ (regexes anchored, as PromQL does). */
export interface LabelMatcher {
  readonly label: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

/** Whether a sample matches `name{matchers}`; an absent label is the empty string, as in PromQL. */
export function matches(sample: Sample, name: string, matchers: readonly LabelMatcher[]): boolean {
  if (sample.name !== name) return false;
  return matchers.every((m) => matcherHolds(m, sample.labels[m.label] ?? ""));
}

function matcherHolds(m: LabelMatcher, actual: string): boolean {
  if (m.op === "=") return actual === m.value;
  if (m.op === "!=") return actual !== m.value;
  const found = new RegExp(`^(?:${m.value})$`).test(actual);
  return m.op === "=~" ? found : !found;
}

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => (s.labels[k] ?? "") === v),
  );
}

/** The one sample of `name` with exactly these labels, or undefined. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const keys = Object.keys(labels).sort().join(",");
  return exposition.samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).sort().join(",") === keys &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

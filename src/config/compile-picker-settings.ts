import { DEFAULT_PICKER_SETTINGS, type PickerSettings } from "../inference/picker-settings.js";
import { parseDuration } from "./parse-duration.js";
import type { Resource } from "./resource.js";
import { invalidField } from "./validate/schema-messages.js";

/**
 * What an EndpointPickerConfig sets of the built-in picker's PickerSettings. The file is the
 * reference endpoint picker's (GIE / llm-d Router), so aigw honours the plugins it implements with
 * their upstream parameter names and warns about every other plugin or parameter, which it ignores.
 * docs/inference.md lists what is honoured.
 */

type Weights = { -readonly [K in keyof PickerSettings["weights"]]: number };

/** Scorer plugin type -> the weight it sets. */
const SCORERS: Readonly<Record<string, keyof Weights>> = {
  "queue-scorer": "queue",
  "kv-cache-utilization-scorer": "kvCache",
  "prefix-cache-scorer": "prefix",
  "lora-affinity-scorer": "lora",
};

const PICKERS: Readonly<Record<string, PickerSettings["picker"]>> = {
  "max-score-picker": "max-score",
  "random-picker": "random",
  "round-robin-picker": "round-robin",
};

/** Plugins that are what the built-in picker does anyway: accepted without a word (parameters aside). */
const BUILT_IN = new Set(["single-profile-handler", "metrics-data-source", "core-metrics-extractor"]);

/** Parameters each honoured plugin type reads; any other parameter earns a warning. */
const PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  "prefix-cache-scorer": [
    "blockSizeTokens",
    "blockSize",
    "hashBlockSize",
    "maxPrefixBlocksToMatch",
    "lruCapacityPerServer",
    "autoTune",
  ],
  "utilization-detector": ["queueDepthThreshold", "kvCacheUtilThreshold", "metricsStalenessThreshold"],
  // One endpoint is what a pick returns, so 1 is accepted (and nothing else is honoured).
  "max-score-picker": ["maxNumOfEndpoints"],
};

interface PluginSpec {
  name?: string;
  type?: string;
  parameters?: Record<string, unknown>;
}
interface ProfileSpec {
  name?: string;
  plugins?: { pluginRef?: string; weight?: number }[];
}

export interface PickerSettingsResult {
  readonly settings: PickerSettings;
  /** What the file asks for that aigw does not do, one message per plugin or parameter. */
  readonly warnings: string[];
}

/**
 * The settings an EndpointPickerConfig gives (DEFAULT_PICKER_SETTINGS when `config` is undefined).
 * Scorer weights come from the first scheduling profile: a listed scorer weighs its `weight` (1
 * when unset, as upstream), an unlisted one 0. Without profiles every declared plugin is in the
 * default profile with weight 1, as upstream; with no scorer declared at all the defaults stay.
 */
export function pickerSettingsOf(config: Resource | undefined): PickerSettingsResult {
  const warnings: string[] = [];
  if (!config) return { settings: DEFAULT_PICKER_SETTINGS, warnings };
  const raw = config as unknown as {
    plugins?: PluginSpec[];
    schedulingProfiles?: ProfileSpec[];
    saturationDetector?: Record<string, unknown>;
  };
  const plugins = Array.isArray(raw.plugins) ? raw.plugins : [];
  const byName = new Map(plugins.map((p) => [String(p?.name ?? p?.type), p]));
  const profiles = Array.isArray(raw.schedulingProfiles) ? raw.schedulingProfiles : [];
  if (profiles.length > 1) {
    warnings.push(
      `schedulingProfiles: only the first profile (${profiles[0]?.name}) is used; aigw runs one profile per request`,
    );
  }
  // The plugins in the profile that runs, with their weights.
  const inProfile: [PluginSpec, number][] =
    profiles.length > 0
      ? (profiles[0]?.plugins ?? []).flatMap((ref) => {
          const plugin = byName.get(String(ref?.pluginRef));
          return plugin ? [[plugin, ref.weight ?? 1] as [PluginSpec, number]] : [];
        })
      : plugins.map((p) => [p, 1] as [PluginSpec, number]);

  let weights: Weights = { ...DEFAULT_PICKER_SETTINGS.weights };
  if (inProfile.some(([p]) => SCORERS[String(p?.type)] !== undefined))
    weights = { queue: 0, kvCache: 0, prefix: 0, lora: 0 };
  let picker = DEFAULT_PICKER_SETTINGS.picker;
  for (const [plugin, weight] of inProfile) {
    const type = String(plugin?.type);
    const scorer = SCORERS[type];
    if (scorer) weights[scorer] = weight;
    const chosen = PICKERS[type];
    if (chosen) picker = chosen;
  }

  const prefix = { ...DEFAULT_PICKER_SETTINGS.prefix };
  const saturation = { ...DEFAULT_PICKER_SETTINGS.saturation };
  for (const [i, plugin] of plugins.entries()) {
    // A plugin without a type is a schema error already.
    if (typeof plugin?.type !== "string") continue;
    const type = plugin.type;
    const where = `plugins[${i}] (${plugin.name ?? type})`;
    const known =
      SCORERS[type] !== undefined ||
      PICKERS[type] !== undefined ||
      BUILT_IN.has(type) ||
      type === "utilization-detector";
    if (!known) {
      warnings.push(`${where}: plugin type ${type} is not one aigw's built-in picker implements; ignored`);
      continue;
    }
    const params = plugin?.parameters ?? {};
    for (const param of Object.keys(params)) {
      const listed = (PARAMETERS[type] ?? []).includes(param);
      const honoured = listed && (param !== "maxNumOfEndpoints" || params[param] === 1);
      if (!honoured) warnings.push(`${where}: parameter ${param} is not honoured by aigw; ignored`);
    }
    if (type === "prefix-cache-scorer") applyPrefixParameters(params, prefix);
    if (type === "utilization-detector")
      applySaturation(params, saturation, `${where}: parameters`, warnings);
  }
  if (raw.saturationDetector)
    applySaturation(raw.saturationDetector, saturation, "saturationDetector", warnings);

  return {
    settings: Object.freeze({
      ...DEFAULT_PICKER_SETTINGS,
      weights: Object.freeze(weights),
      prefix: Object.freeze(prefix),
      saturation: Object.freeze(saturation),
      picker,
    }),
    warnings,
  };
}

function applyPrefixParameters(
  params: Record<string, unknown>,
  prefix: { -readonly [K in keyof PickerSettings["prefix"]]: PickerSettings["prefix"][K] },
): void {
  const tokens = positive(params.blockSizeTokens) ?? positive(params.blockSize);
  // GIE <= v1.0's hashBlockSize counts characters, 4 to a token.
  const chars = positive(params.hashBlockSize);
  if (tokens !== undefined) prefix.blockSizeTokens = tokens;
  else if (chars !== undefined) prefix.blockSizeTokens = Math.max(1, Math.round(chars / 4));
  prefix.maxPrefixBlocks = positive(params.maxPrefixBlocksToMatch) ?? prefix.maxPrefixBlocks;
  prefix.lruCapacityPerServer = positive(params.lruCapacityPerServer) ?? prefix.lruCapacityPerServer;
  if (typeof params.autoTune === "boolean") prefix.autoTune = params.autoTune;
}

function applySaturation(
  params: Record<string, unknown>,
  saturation: { -readonly [K in keyof PickerSettings["saturation"]]: number },
  where: string,
  warnings: string[],
): void {
  const depth = params.queueDepthThreshold;
  if (typeof depth === "number" && depth >= 0) saturation.queueDepth = depth;
  const kv = params.kvCacheUtilThreshold;
  if (typeof kv === "number" && kv >= 0 && kv <= 1) saturation.kvCacheUtil = kv;
  const staleness = params.metricsStalenessThreshold;
  if (staleness !== undefined) {
    const ms = typeof staleness === "string" ? parseDuration(staleness) : undefined;
    if (ms === undefined)
      warnings.push(
        `${where}.metricsStalenessThreshold: ${JSON.stringify(staleness)} is not a duration; the default stays`,
      );
    else saturation.metricsStalenessMs = ms;
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** aigw's InferencePool annotations for what no EndpointPickerConfig sets: how endpoints are scraped. */
export const SCRAPE_INTERVAL_ANNOTATION = "aigw/picker-scrape-interval";
export const SCRAPE_TIMEOUT_ANNOTATION = "aigw/picker-scrape-timeout";
/** The picker's per scrape timeout cannot exceed 1 s (PickerSettings.scrapeTimeoutMs). */
const MAX_SCRAPE_TIMEOUT_MS = 1000;

/** `settings` with a pool's annotations applied, or the first annotation that is not usable. */
export function withPoolAnnotations(
  settings: PickerSettings,
  annotations: Readonly<Record<string, string>> | undefined,
): { settings: PickerSettings } | { error: string } {
  const interval = annotations?.[SCRAPE_INTERVAL_ANNOTATION];
  const timeout = annotations?.[SCRAPE_TIMEOUT_ANNOTATION];
  if (interval === undefined && timeout === undefined) return { settings };
  const out = { ...settings };
  if (interval !== undefined) {
    const ms = parseDuration(String(interval));
    if (ms === undefined || ms <= 0) {
      return { error: annotationError(SCRAPE_INTERVAL_ANNOTATION, interval, "must be a positive duration") };
    }
    out.scrapeIntervalMs = ms;
  }
  if (timeout !== undefined) {
    const ms = parseDuration(String(timeout));
    if (ms === undefined || ms <= 0 || ms > MAX_SCRAPE_TIMEOUT_MS) {
      return {
        error: annotationError(
          SCRAPE_TIMEOUT_ANNOTATION,
          timeout,
          "must be a positive duration of at most 1s",
        ),
      };
    }
    out.scrapeTimeoutMs = ms;
  }
  return { settings: Object.freeze(out) };
}

function annotationError(annotation: string, value: unknown, detail: string): string {
  return invalidField(`metadata.annotations[${annotation}]`, value, detail);
}

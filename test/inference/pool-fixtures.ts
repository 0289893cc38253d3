import { setImmediate as nextTurn } from "node:timers/promises";
import type { CompiledBackend } from "../../src/config/snapshot.js";
import type { CompiledPool, EngineType, PoolEndpoint } from "../../src/inference/compiled-pool.js";
import { DEFAULT_PICKER_SETTINGS, type PickerSettings } from "../../src/inference/picker-settings.js";

/** Partial settings merged over the defaults, one level deep. */
export interface SettingsPatch {
  readonly scrapeIntervalMs?: number;
  readonly scrapeTimeoutMs?: number;
  readonly staleAfterMs?: number;
  readonly picker?: PickerSettings["picker"];
  readonly weights?: Partial<PickerSettings["weights"]>;
  readonly saturation?: Partial<PickerSettings["saturation"]>;
  readonly prefix?: Partial<PickerSettings["prefix"]>;
}

export function settings(patch: SettingsPatch = {}): PickerSettings {
  const d = DEFAULT_PICKER_SETTINGS;
  return {
    ...d,
    scrapeIntervalMs: patch.scrapeIntervalMs ?? 1,
    scrapeTimeoutMs: patch.scrapeTimeoutMs ?? d.scrapeTimeoutMs,
    staleAfterMs: patch.staleAfterMs ?? d.staleAfterMs,
    picker: patch.picker ?? d.picker,
    weights: { ...d.weights, ...patch.weights },
    saturation: { ...d.saturation, ...patch.saturation },
    prefix: { ...d.prefix, ...patch.prefix },
  };
}

/** A pool of endpoints by address; the picker reads only address, pod and engine of an endpoint. */
export function pool(
  key: string,
  addresses: readonly string[],
  picker: PickerSettings = settings(),
  engine: EngineType = "vllm",
): CompiledPool {
  const endpoints: PoolEndpoint[] = addresses.map((address, i) => ({
    address,
    pod: `default/pod-${i}`,
    engine,
    backend: { key: `${key}@${address}` } as unknown as CompiledBackend,
  }));
  return {
    key,
    endpoints,
    targetPorts: [8000],
    appProtocol: "http",
    failureMode: "FailClose",
    endpointPicker: { name: "epp" },
    objectives: new Map(),
    rewrites: [],
    picker,
  };
}

export interface VllmState {
  readonly waiting?: number;
  readonly running?: number;
  readonly kv?: number;
  readonly blockSize?: number;
  readonly numGpuBlocks?: number;
  readonly lora?: { readonly running: string; readonly waiting: string; readonly max: number };
}

/** A vLLM /metrics page (what vLLM prints: HELP/TYPE lines, a model_name label). */
export function vllmPage(s: VllmState): string {
  const model = 'model_name="base"';
  const lines: string[] = [];
  const gauge = (name: string, value: number | undefined): void => {
    if (value === undefined) return;
    lines.push(`# HELP ${name} ${name}.`, `# TYPE ${name} gauge`, `${name}{${model}} ${value}`);
  };
  gauge("vllm:num_requests_waiting", s.waiting ?? 0);
  gauge("vllm:num_requests_running", s.running ?? 0);
  gauge("vllm:kv_cache_usage_perc", s.kv ?? 0);
  if (s.blockSize !== undefined || s.numGpuBlocks !== undefined) {
    lines.push(
      `vllm:cache_config_info{block_size="${s.blockSize ?? 16}",num_gpu_blocks="${s.numGpuBlocks ?? 1000}"} 1`,
    );
  }
  if (s.lora) {
    lines.push(
      `vllm:lora_requests_info{max_lora="${s.lora.max}",running_lora_adapters="${s.lora.running}",waiting_lora_adapters="${s.lora.waiting}"} 1.7e9`,
    );
  }
  return `${lines.join("\n")}\n`;
}

interface Pending {
  readonly address: string;
  readonly resolve: (text: string) => void;
  readonly reject: (err: Error) => void;
}

/**
 * An injected scrape under the test's control: every /metrics scrape waits until the test answers
 * it, so the test decides what each endpoint's page says and when a scrape begins and ends.
 * /v1/models answers at once with `models` (per address), or 404.
 */
export class ScriptedScrapes {
  private readonly pending: Pending[] = [];
  readonly models = new Map<string, string>();
  calls = 0;

  readonly scrape = (address: string, path: string): Promise<string> => {
    if (path === "/v1/models") {
      const list = this.models.get(address);
      return list === undefined
        ? Promise.reject(new Error("/v1/models answered 404"))
        : Promise.resolve(list);
    }
    this.calls += 1;
    return new Promise((resolve, reject) => this.pending.push({ address, resolve, reject }));
  };

  /** Whether `address` has a scrape in progress. */
  underWay(address: string): boolean {
    return this.pending.some((p) => p.address === address);
  }

  /** Waits until `address` has a scrape in progress (its loop's round has begun). */
  async begun(address: string): Promise<void> {
    for (let i = 0; i < 5000; i++) {
      if (this.underWay(address)) return;
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`no scrape of ${address} began`);
  }

  /** Answers `address`'s scrape in progress with `page` (or fails it), and lets the loop take it. */
  async answer(address: string, page: string | Error): Promise<void> {
    await this.begun(address);
    const at = this.pending.findIndex((p) => p.address === address);
    const [p] = this.pending.splice(at, 1);
    if (typeof page === "string") p!.resolve(page);
    else p!.reject(page);
    // The loop's continuation (parse, bookkeeping, /v1/models) runs in microtasks and a turn or two.
    for (let i = 0; i < 5; i++) await nextTurn();
  }

  /** Answers every address with its page. */
  async answerAll(pages: Readonly<Record<string, string>>): Promise<void> {
    for (const [address, page] of Object.entries(pages)) await this.answer(address, page);
  }
}

/** A random source that returns these values in turn (then repeats the last). */
export function scriptedRandom(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

import { parseArgs } from "node:util";
import { SimulatorOptionError, type SimulatorOptions } from "../sim/simulator-options.js";
import { startSimulator } from "../sim/start-simulator.js";

const USAGE = `Usage: aigw sim [options]

Runs a vLLM look-alike model server (OpenAI chat, completions, embeddings, models, /metrics with
vLLM's names) that can stand for one replica of an inference pool. docs/inference.md describes the
latency model.

Options:
  --host <addr>                  bind address, e.g. 127.0.0.2 for a second replica (default 127.0.0.1)
  --port <n>                     listening port (default 8000; 0 = any free port)
  --models <a,b>                 base models listed by /v1/models (default sim-model; without
                                 --lora-modules any model name is accepted)
  --output-tokens <n>            tokens per answer before max_tokens caps it (default 16)
  --max-num-seqs <n>             sequences running at once; more wait (default unlimited;
                                 old name --max-running)
  --max-waiting <n>              requests that may wait; more get 429 (default 1000)
  --kv-cache-blocks <n>          KV-cache size in blocks (default 1024)
  --block-size <n>               tokens per block (default 16)
  --ttft-ms <ms>                 constant added to every prefill (default 0)
  --prefill-overhead-ms <ms>     fixed part of the prefill (default 0)
  --prefill-ms-per-token <ms>    prefill per prompt token that missed the prefix cache (default 0)
  --itl-ms <ms>                  inter-token latency (default 0; old name --tpot-ms)
  --jitter <f>                   standard deviation as a fraction of the mean, 0..0.3 (default 0)
  --seed <n>                     seed of the jitter (default 0)
  --time-factor-under-load <f>   >= 1: prefill and decode this much slower at max-num-seqs (default 1)
  --lora-modules <a,b>           LoRA adapters served on the first base model (default none)
  --max-loras <n>                adapters loaded at once (default 1)
  --lora-load-ms <ms>            cost of loading an adapter (default 0)
  -h, --help                     show this help
`;

/** Numeric options and their flags; an alias is the old flag name of the same option. */
const NUMBER_FLAGS = [
  ["port", "port"],
  ["outputTokens", "output-tokens"],
  ["maxNumSeqs", "max-num-seqs"],
  ["maxRunning", "max-running"],
  ["maxWaiting", "max-waiting"],
  ["kvCacheBlocks", "kv-cache-blocks"],
  ["blockSize", "block-size"],
  ["ttftMs", "ttft-ms"],
  ["prefillOverheadMs", "prefill-overhead-ms"],
  ["prefillMsPerToken", "prefill-ms-per-token"],
  ["itlMs", "itl-ms"],
  ["tpotMs", "tpot-ms"],
  ["jitter", "jitter"],
  ["seed", "seed"],
  ["timeFactorUnderLoad", "time-factor-under-load"],
  ["maxLoras", "max-loras"],
  ["loraLoadMs", "lora-load-ms"],
] as const satisfies readonly (readonly [keyof SimulatorOptions, string])[];

/**
 * `aigw sim`: starts the simulator, prints its URL and runs until SIGINT or SIGTERM. Throws on bad
 * arguments (naming the flag); the caller reports the message and picks the exit code.
 */
export async function runSimCommand(argv: string[]): Promise<void> {
  const { values: parsed } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(NUMBER_FLAGS.map(([, flag]) => [flag, { type: "string" as const }])),
      host: { type: "string", default: "127.0.0.1" },
      models: { type: "string" },
      "lora-modules": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const values = parsed as Record<string, string | boolean | undefined>;
  if (values["help"]) {
    process.stdout.write(USAGE);
    return;
  }
  const options: SimulatorOptions = {
    port: 8000,
    host: values["host"] as string,
    models: listFlag(values["models"] as string | undefined),
    loraModules: listFlag(values["lora-modules"] as string | undefined),
  };
  for (const [option, flag] of NUMBER_FLAGS) {
    const text = values[flag] as string | undefined;
    if (text !== undefined) options[option] = numberFlag(flag, text);
  }
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    sim = await startSimulator(options);
  } catch (error) {
    if (!(error instanceof SimulatorOptionError)) throw error;
    throw new Error(`${flagOf(error.option, values)} ${error.problem}`);
  }
  process.stdout.write(`aigw sim listening on ${sim.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      sim.close().then(resolve, resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** The flag the user typed for an option: the old alias when that is the one given. */
function flagOf(option: keyof SimulatorOptions, values: Record<string, unknown>): string {
  const named = NUMBER_FLAGS.find(([name]) => name === option)?.[1] ?? OTHER_FLAGS[option] ?? option;
  const alias = ALIASES[option];
  const typedAlias = alias !== undefined && values[named] === undefined && values[alias] !== undefined;
  return `--${typedAlias ? alias : named}`;
}

const ALIASES: Partial<Record<keyof SimulatorOptions, string>> = {
  itlMs: "tpot-ms",
  maxNumSeqs: "max-running",
};
const OTHER_FLAGS: Partial<Record<keyof SimulatorOptions, string>> = {
  host: "host",
  models: "models",
  loraModules: "lora-modules",
};

function listFlag(text: string | undefined): string[] | undefined {
  return text
    ?.split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function numberFlag(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new Error(`--${name} must be a number, got "${text}"`);
  return value;
}

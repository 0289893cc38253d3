import { parseArgs } from "node:util";
import { startSimulator } from "../sim/start-simulator.js";

const USAGE = `Usage: aigw sim [options]

Runs an OpenAI-compatible model-server simulator (chat, completions, embeddings, models, /metrics).

Options:
  --port <n>            listening port (default 8000; 0 = any free port)
  --host <addr>         bind address (default 127.0.0.1)
  --ttft-ms <ms>        time to first token (default 0)
  --tpot-ms <ms>        time per further output token (default 0)
  --output-tokens <n>   tokens per answer before max_tokens caps it (default 16)
  --models <a,b>        models listed by /v1/models (any model is accepted; default sim-model)
  --max-running <n>     requests generated at once; more wait (default unlimited)
  -h, --help            show this help
`;

/**
 * `aigw sim`: starts the simulator, prints its URL and runs until SIGINT or SIGTERM. Throws on bad
 * arguments; the caller reports the message and picks the exit code.
 */
export async function runSimCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string", default: "8000" },
      host: { type: "string", default: "127.0.0.1" },
      "ttft-ms": { type: "string", default: "0" },
      "tpot-ms": { type: "string", default: "0" },
      "output-tokens": { type: "string", default: "16" },
      models: { type: "string" },
      "max-running": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const sim = await startSimulator({
    port: numberFlag("port", values.port),
    host: values.host,
    ttftMs: numberFlag("ttft-ms", values["ttft-ms"]),
    tpotMs: numberFlag("tpot-ms", values["tpot-ms"]),
    outputTokens: numberFlag("output-tokens", values["output-tokens"]),
    models: values.models
      ?.split(",")
      .map((model) => model.trim())
      .filter((model) => model !== ""),
    maxRunning:
      values["max-running"] === undefined ? undefined : numberFlag("max-running", values["max-running"]),
  });
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

function numberFlag(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new Error(`--${name} must be a number, got "${text}"`);
  return value;
}

import { parseArgs } from "node:util";
import { autoconfigMode, autoconfigYaml } from "../config/autoconfig.js";
import { ConfigError } from "../config/load-snapshot.js";
import type { GatewayOptions } from "../gateway/gateway-options.js";
import { startGateway } from "../gateway/start-gateway.js";
import { startSimulator } from "../sim/start-simulator.js";

/** Models the demo simulator lists; any model name is answered. */
const DEMO_MODELS = ["demo"];

/**
 * `aigw run [FILE|DIR...]`: the gateway from Envoy AI Gateway YAML; with no files, from
 * OPENAI_* / ANTHROPIC_* variables; with nothing at all, a demo backed by the bundled simulator.
 */
export async function runRunCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      "admin-port": { type: "string" },
      host: { type: "string" },
      "no-watch": { type: "boolean" },
      "no-access-log": { type: "boolean" },
    },
  });
  const env = process.env;
  const options: GatewayOptions = { env };
  if (values.port !== undefined) options.port = Number(values.port);
  if (values["admin-port"] !== undefined) options.adminPort = Number(values["admin-port"]);
  if (values.host !== undefined) options.host = values.host;
  if (values["no-watch"]) options.watch = false;
  if (values["no-access-log"]) options.accessLog = false;

  let stopDemo: (() => Promise<void>) | undefined;
  let description: string;
  if (positionals.length > 0) {
    options.configPaths = positionals;
    description = positionals.join(", ");
  } else if (autoconfigMode(env) !== "demo") {
    options.configText = autoconfigYaml(env);
    description = `environment (${autoconfigMode(env)})`;
  } else {
    const sim = await startSimulator({ port: 0, ttftMs: 50, tpotMs: 10, models: DEMO_MODELS });
    stopDemo = () => sim.close();
    options.configText = autoconfigYaml(env, sim.url);
    description = `demo mode: every model answered by the bundled simulator at ${sim.url}`;
  }

  try {
    const gateway = await startGateway(options);
    process.stderr.write(
      `aigw: serving ${description}\naigw: listening on ${gateway.url} (admin ${gateway.adminUrl})\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await gateway.close();
    await stopDemo?.();
    return 0;
  } catch (err) {
    await stopDemo?.();
    if (err instanceof ConfigError) {
      process.stderr.write(`aigw: invalid configuration:\n${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

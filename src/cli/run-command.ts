import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AutoconfigError, autoconfigMode, autoconfigYaml, gatewayDocs } from "../config/autoconfig.js";
import { ConfigError } from "../config/load-snapshot.js";
import type { GatewayOptions } from "../gateway/gateway-options.js";
import { type HeaderAttribute, parseRequestHeaderAttributes } from "../gateway/request-header-attributes.js";
import { startGateway } from "../gateway/start-gateway.js";
import { type McpServerSpec, McpServersFileError, parseMcpServers } from "../mcp/mcp-servers-file.js";
import { startMcpServers } from "../mcp/start-mcp-servers.js";
import { StdioStartError } from "../mcp/stdio-bridge.js";
import { startSimulator } from "../sim/start-simulator.js";
import { attributeLabelNames } from "../telemetry/gateway-metrics.js";
import { TelemetryConfigError } from "../telemetry/otlp-endpoint.js";
import { LedgerUnavailableError } from "../usage/ledger-store.js";
import { DEFAULT_LEDGER_FILE, dataHomeOf, parseLedgerUrl, redactPassword } from "../usage/ledger-url.js";
import { DEFAULT_DRAIN_TIMEOUT_MS, parseDrainTimeout } from "./parse-drain-timeout.js";

/** Models the demo simulator lists; any model name is answered. */
const DEMO_MODELS = ["demo"];
/** After the drain, the process exits by itself; this bounds the wait for a handle left open. */
const EXIT_GRACE_MS = 2000;

/**
 * `aigw run [FILE|DIR...]`: the gateway from Envoy AI Gateway YAML; with no files, from
 * OPENAI_* / ANTHROPIC_* variables; with nothing at all, a demo backed by the bundled simulator.
 * SIGTERM or SIGINT drains (see RunningGateway.drain) for up to --drain-timeout, then exits 0; a
 * second signal during the drain cuts what is left at once. The usage ledger is on unless
 * `--ledger off`: by default in `$AIGW_DATA_HOME/ledger.sqlite`.
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
      "drain-timeout": { type: "string" },
      redis: { type: "string" },
      "redis-fail": { type: "string" },
      "request-header-attributes": { type: "string" },
      "metrics-request-header-attributes": { type: "string" },
      "metrics-max-label-values": { type: "string" },
      "log-request-header-attributes": { type: "string" },
      "no-metrics": { type: "boolean" },
      "debug-headers": { type: "boolean" },
      ledger: { type: "string" },
      "mcp-config": { type: "string" },
      "mcp-json": { type: "string" },
      "mcp-session-encryption-seed": { type: "string" },
    },
  });
  const drainTimeoutMs =
    values["drain-timeout"] === undefined
      ? DEFAULT_DRAIN_TIMEOUT_MS
      : parseDrainTimeout(values["drain-timeout"]);
  if (drainTimeoutMs === undefined) {
    process.stderr.write(
      `aigw: --drain-timeout: expected a duration such as 15s or a number of seconds, got "${values["drain-timeout"]}"\n`,
    );
    return 2;
  }
  const env = process.env;
  const options: GatewayOptions = { env };
  if (values.port !== undefined) options.port = Number(values.port);
  if (values["admin-port"] !== undefined) options.adminPort = Number(values["admin-port"]);
  if (values.host !== undefined) options.host = values.host;
  if (values["no-watch"]) options.watch = false;
  if (values["no-access-log"]) options.accessLog = false;
  // The environment variable is read by startGateway (env), so the flag only overrides it.
  if (values["mcp-session-encryption-seed"])
    options.mcpSessionEncryptionSeed = values["mcp-session-encryption-seed"];
  const redisUrl = values.redis ?? env.AIGW_REDIS_URL;
  if (redisUrl) {
    if (!isRedisUrl(redisUrl)) {
      process.stderr.write(`aigw: --redis: expected a redis:// or rediss:// URL, got "${redisUrl}"\n`);
      return 2;
    }
    options.redisUrl = redisUrl;
  }
  const failMode = values["redis-fail"] ?? "open";
  if (failMode !== "open" && failMode !== "closed") {
    process.stderr.write(`aigw: --redis-fail: expected open or closed, got "${failMode}"\n`);
    return 2;
  }
  options.redisFailMode = failMode;
  // The original's aigw reads this variable for every signal; each signal may have its own below.
  const attributes = values["request-header-attributes"] ?? env.OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES;
  if (attributes) {
    try {
      options.requestHeaderAttributes = parseRequestHeaderAttributes(attributes);
    } catch (err) {
      process.stderr.write(`aigw: --request-header-attributes: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const metricAttributes =
    values["metrics-request-header-attributes"] ?? env.OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES;
  const maxLabelValues = values["metrics-max-label-values"] ?? env.AIGW_METRICS_MAX_LABEL_VALUES;
  if (metricAttributes || maxLabelValues) {
    let headerAttributes: HeaderAttribute[] | undefined;
    try {
      if (metricAttributes) headerAttributes = parseRequestHeaderAttributes(metricAttributes);
    } catch (err) {
      process.stderr.write(`aigw: --metrics-request-header-attributes: ${(err as Error).message}\n`);
      return 2;
    }
    const max = maxLabelValues === undefined ? undefined : Number(maxLabelValues);
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
      process.stderr.write(
        `aigw: --metrics-max-label-values: expected a positive integer, got "${maxLabelValues}"\n`,
      );
      return 2;
    }
    options.metrics = {
      ...(headerAttributes ? { headerAttributes } : {}),
      ...(max !== undefined ? { maxLabelValues: max } : {}),
    };
  }
  const logAttributes =
    values["log-request-header-attributes"] ?? env.OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES;
  if (logAttributes !== undefined) {
    try {
      options.logHeaderAttributes = parseRequestHeaderAttributes(logAttributes);
    } catch (err) {
      process.stderr.write(`aigw: --log-request-header-attributes: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (values["no-metrics"]) options.metrics = false;
  // The attributes that become labels (the metrics' own mapping, else the base one) need names no
  // built-in label has; checked here, so that a clash is a usage error and not a failed start.
  if (options.metrics !== false) {
    const labelled = options.metrics?.headerAttributes ?? options.requestHeaderAttributes ?? [];
    try {
      attributeLabelNames(labelled.map((a) => a.attribute));
    } catch (err) {
      const flag = options.metrics?.headerAttributes
        ? "metrics-request-header-attributes"
        : "request-header-attributes";
      process.stderr.write(`aigw: --${flag}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (values["debug-headers"]) options.debugHeaders = true;
  // The ledger is on by default, in a SQLite file of the data home.
  const ledgerUrl = values.ledger ?? env.AIGW_LEDGER_URL ?? "";
  let ledgerLine = "aigw: usage ledger off\n";
  if (ledgerUrl !== "off") {
    const dataHome = dataHomeOf(env);
    const url = ledgerUrl === "" ? `sqlite://${join(dataHome, DEFAULT_LEDGER_FILE)}` : ledgerUrl;
    try {
      const target = parseLedgerUrl(url);
      ledgerLine = `aigw: usage ledger in ${target.kind === "sqlite" ? target.path : redactPassword(url)}\n`;
    } catch (err) {
      process.stderr.write(`aigw: --ledger: ${(err as Error).message}\n`);
      return 2;
    }
    options.ledger = { url, dataHome };
  }
  // The console and the usage API need a token; one the operator did not choose is made up and
  // shown once (it lasts as long as the process: a restart ends every console session).
  let tokenLine = "";
  options.adminToken = env.AIGW_ADMIN_TOKEN || undefined;
  if (options.adminToken === undefined) {
    options.adminToken = randomBytes(24).toString("base64url");
    tokenLine = `aigw: admin token for the console and the usage API (AIGW_ADMIN_TOKEN is not set): ${options.adminToken}\n`;
  }

  const mcpFile = await readMcpServersFlag(values["mcp-config"], values["mcp-json"], env);
  if (typeof mcpFile === "number") return mcpFile;

  let stopDemo: (() => Promise<void>) | undefined;
  let description: string;
  if (positionals.length > 0) {
    options.configPaths = positionals;
    description = positionals.join(", ");
  } else if (mcpFile && autoconfigMode(env) === "demo") {
    // MCP servers and nothing that configures a model: the Gateway alone, with their MCPRoute.
    options.configText = gatewayDocs();
    options.configOrigin = "<mcp-config>";
    description = "MCP servers only";
  } else if (autoconfigMode(env) !== "demo") {
    try {
      options.configText = autoconfigYaml(env);
      options.configOrigin = "<environment>";
    } catch (err) {
      if (!(err instanceof AutoconfigError)) throw err;
      process.stderr.write(`aigw: ${err.message}\n`);
      return 1;
    }
    description = `environment (${autoconfigMode(env)})`;
  } else {
    const sim = await startSimulator({ port: 0, ttftMs: 50, tpotMs: 10, models: DEMO_MODELS });
    stopDemo = () => sim.close();
    options.configText = autoconfigYaml(env, sim.url);
    options.configOrigin = "<demo>";
    description = `demo mode: every model answered by the bundled simulator at ${sim.url}`;
  }

  try {
    if (mcpFile) {
      options.mcpServers = await startMcpServers(mcpFile.servers, mcpFile.origin, { log: writeStderrLine });
      description += `; MCP servers at /mcp: ${options.mcpServers.summary}`;
    }
    const gateway = await startGateway(options);
    // The first signal starts the drain; any later one cuts what is still in flight. Listened for
    // before the line that says the gateway listens: a supervisor may signal as soon as it reads it.
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      let received = 0;
      const onSignal = (name: NodeJS.Signals): void => {
        received += 1;
        if (received === 1) {
          resolve(name);
          return;
        }
        process.stderr.write(`aigw: ${name} again: cutting the requests still in flight\n`);
        void gateway.drain(0);
      };
      process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    });
    process.stderr.write(
      `aigw: serving ${description}\n${ledgerLine}${tokenLine}` +
        `aigw: console at ${gateway.adminUrl}/console/\n` +
        `aigw: listening on ${gateway.url} (admin ${gateway.adminUrl})\n`,
    );
    const signal = await signalled;
    process.stderr.write(
      `aigw: ${signal}: draining (${gateway.inFlight()} in flight, up to ${drainTimeoutMs / 1000} s)\n`,
    );
    const { forced } = await gateway.drain(drainTimeoutMs);
    process.stderr.write(
      forced === 0
        ? "aigw: drained, exiting\n"
        : `aigw: drain deadline: cut ${forced} request${forced === 1 ? "" : "s"} still in flight, exiting\n`,
    );
    await stopDemo?.();
    // Everything is closed, so the event loop should empty; should some handle linger, still exit.
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
    return 0;
  } catch (err) {
    await stopDemo?.();
    await options.mcpServers?.close();
    if (err instanceof StdioStartError) {
      process.stderr.write(`aigw: ${err.message}\n`);
      return 1;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`aigw: invalid configuration:\n${err.message}\n`);
      return 1;
    }
    if (err instanceof TelemetryConfigError) {
      process.stderr.write(`aigw: ${err.message}\n`);
      return 2;
    }
    if (err instanceof LedgerUnavailableError) {
      process.stderr.write(`aigw: ledger: ${err.message}\n`);
      return 1;
    }
    // A port another process holds (or one below 1024 without the right) is the operator's to fix.
    const listenError = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (
      listenError.syscall === "listen" &&
      (listenError.code === "EADDRINUSE" || listenError.code === "EACCES")
    ) {
      const why = listenError.code === "EADDRINUSE" ? "the port is in use" : "permission denied";
      process.stderr.write(
        `aigw: cannot listen on ${listenError.address}:${listenError.port}: ${why} (--port and --admin-port choose others)\n`,
      );
      return 1;
    }
    throw err;
  }
}

/**
 * `--mcp-config FILE` or `--mcp-json TEXT` (not both, as upstream), read and checked: the
 * servers, nothing when neither is given, or the exit code after printing what is wrong.
 */
async function readMcpServersFlag(
  file: string | undefined,
  json: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ servers: McpServerSpec[]; origin: string } | undefined | number> {
  if (file !== undefined && json !== undefined) {
    process.stderr.write("aigw: --mcp-config and --mcp-json are mutually exclusive\n");
    return 2;
  }
  let text = json;
  const origin = file ?? "--mcp-json";
  if (file !== undefined) {
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      process.stderr.write(
        `aigw: --mcp-config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}\n`,
      );
      return 1;
    }
  }
  if (text === undefined) return undefined;
  try {
    return { servers: parseMcpServers(text, origin, env), origin };
  } catch (err) {
    if (!(err instanceof McpServersFileError)) throw err;
    process.stderr.write(`aigw: invalid MCP servers file:\n${err.message}\n`);
    return 1;
  }
}

function writeStderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
  } catch {
    return false;
  }
}

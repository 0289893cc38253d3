#!/usr/bin/env -S node --max-semi-space-size=4
// The flag above keeps V8's young generation small: a gateway's garbage is short-lived request
// state, so small semi-spaces mean shorter scavenge pauses (the p99 latency) and ~25 MB less
// resident memory under load, at no cost in throughput (BENCHMARKS.md). It only applies when aigw
// is started as a program (npx aigw, npm start, ./dist/src/cli/main.js), which is why it lives here.
import { readFileSync } from "node:fs";
import { runRunCommand } from "./run-command.js";
import { runSimCommand } from "./sim-command.js";
import { runValidateCommand } from "./validate-command.js";

const USAGE = `usage: aigw <command> [options]

commands:
  run [FILE|DIR...]     serve the gateway (no files: from OPENAI_*/ANTHROPIC_* env, else demo mode)
      --port N          data-plane port (default: the Gateway listener, 1975)
      --admin-port N    admin port for /health, /ready and the usage API (default 1064)
      --host ADDR       bind address (default 0.0.0.0)
      --no-watch        do not reload when the files change
      --no-access-log   do not print the JSON access log to stdout
      --drain-timeout T on SIGTERM/SIGINT, let requests in flight finish for up to T
                        (15s, 500ms or seconds; default 15s), then exit 0
      --redis URL       keep token-limit counters in Redis, shared by replicas
                        (redis:// or rediss://; env AIGW_REDIS_URL; default: in memory)
      --redis-fail M    when Redis is unreachable: open (admit, default) or closed (503)
      --ledger URL      the usage ledger, one record per routed request (env AIGW_LEDGER_URL):
                        sqlite:PATH, postgres://... (shared by replicas) or off;
                        default $AIGW_DATA_HOME/ledger.sqlite (~/.local/share/aigw);
                        the usage API on the admin port wants AIGW_ADMIN_TOKEN
                        (unset: a token is made up and printed at start)
      --request-header-attributes H:A,...
                        record request header H as attribute A (x-tenant-id:tenant.id;
                        env OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES)
      --metrics-request-header-attributes H:A,...
                        label the GenAI metrics on /metrics (admin port) with header H as
                        A (tenant.id becomes tenant_id; env
                        OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES; default: the above)
      --no-metrics      no metrics (/metrics answers 404)
      --debug-headers   answers name their route, backend and attempt count
                        (x-aigw-route, x-aigw-backend, x-aigw-attempts)
      --mcp-session-encryption-seed S
                        the secret MCP session ids are sealed with; replicas sharing it
                        serve each other's sessions (env AIGW_MCP_SESSION_ENCRYPTION_SEED;
                        default: a public seed, with a warning)
      --metrics-max-label-values N
                        distinct values a client-chosen label keeps before "_other"
                        (env AIGW_METRICS_MAX_LABEL_VALUES; default 1000)
      --mcp-config FILE serve the MCP servers of a Claude-Desktop-style {"mcpServers": ...}
                        file at /mcp (url servers proxied, command servers started and
                        bridged); alone, the gateway serves only them
      --mcp-json JSON   the same, given as text
  validate FILE|DIR...  check configuration; exit 1 with Kubernetes-style errors
  sim [options]         run the bundled OpenAI-compatible model-server simulator
  version               print the version
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runRunCommand(rest);
    case "validate":
      return runValidateCommand(rest);
    case "sim":
      // Bad flags and bind failures are the user's to fix: the message, not a stack trace.
      return runSimCommand(rest).then(
        () => 0,
        (error: unknown) => {
          process.stderr.write(`aigw sim: ${(error as Error).message}\n`);
          return 1;
        },
      );
    case "version":
    case "--version": {
      const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
        version: string;
      };
      process.stdout.write(`aigw ${pkg.version}\n`);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`aigw: unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`aigw: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

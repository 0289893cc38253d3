import { type FSWatcher, statSync, watch } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { basename, dirname } from "node:path";
import { type ConfigSource, loadSnapshot } from "../config/load-snapshot.js";
import type { RuntimeSnapshot } from "../config/snapshot.js";
import { backendKeysOf } from "../config/snapshot-backends.js";
import { poolsOf } from "../config/snapshot-pools.js";
import { ConfigStatus } from "../console/config-status.js";
import { ConsoleViews } from "../console/console-views.js";
import { InferencePools } from "../inference/inference-pools.js";
import { MemoryCounterStore } from "../limits/memory-counter-store.js";
import { openCounterStore } from "../limits/open-counter-store.js";
import type { LimitStores } from "../limits/token-limit-policy.js";
import { compileMcpAccess } from "../mcp/compile-mcp-access.js";
import { GATEWAY_VERSION } from "../mcp/gateway-version.js";
import { DEFAULT_HEARTBEAT_MS, DEFAULT_INITIALIZE_TIMEOUT_MS } from "../mcp/mcp-context.js";
import { mcpReporter } from "../mcp/mcp-reporter.js";
import { DEFAULT_SESSION_SEED, SessionSealer } from "../mcp/session-sealer.js";
import { attributeLabelNames, GatewayMetrics } from "../telemetry/gateway-metrics.js";
import { type MetricsExport, readMetricsExportConfig } from "../telemetry/metrics-export-config.js";
import type { RequestTracer } from "../telemetry/request-tracer.js";
import { readTracingConfig } from "../telemetry/tracing-config.js";
import { ActiveHealthChecker, activeChecksOf } from "../upstream/active-health-checker.js";
import { BackendHealthRegistry } from "../upstream/backend-health.js";
import { DispatcherCache } from "../upstream/dispatcher-cache.js";
import type { Ledger } from "../usage/ledger.js";
import { belongsInLedger } from "../usage/ledger-row.js";
import { openLedger } from "../usage/open-ledger.js";
import { uuidV7 } from "../util/uuid-v7.js";
import { AccessLogWriter } from "./access-log-writer.js";
import { createAdminServer } from "./admin-server.js";
import { formatAccessLog, formatPlainAccessLog } from "./format-access-log.js";
import type { DrainResult, GatewayOptions, RunningGateway } from "./gateway-options.js";
import type { GatewayContext } from "./handle-inference-request.js";
import { handleRequest } from "./handle-request.js";
import { type HeaderAttribute, SESSION_ID_ATTRIBUTE } from "./request-header-attributes.js";
import type { RequestRecord } from "./request-record.js";
import { ServerDrain } from "./server-drain.js";

const DEFAULT_ADMIN_PORT = 1064;
const RELOAD_DEBOUNCE_MS = 100;
/** The response header that carries the request's id (RequestRecord.requestId). */
const REQUEST_ID_HEADER = "x-aigw-request-id";

/**
 * How long a drain lets the ledger write what it still buffers; what is not written by then is
 * spilled to a file under the data home and written at the next start.
 */
const LEDGER_CLOSE_TIMEOUT_MS = 5_000;

/**
 * Starts the gateway: loads and compiles the configuration into a snapshot, serves the data plane
 * and the admin listener, and (for files) reloads on change. A reload swaps one reference:
 * requests in flight keep the snapshot they started with; a rejected edit keeps the old one.
 * `drain()` shuts down gracefully (see RunningGateway.drain).
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Telemetry variables first: a bad one (TelemetryConfigError) stops the start before anything opens.
  const tracingConfig = readTracingConfig(env);
  const metricsExportConfig = readMetricsExportConfig(env);
  // The default access log goes to stdout, batched per event-loop turn.
  const stdoutLog = options.accessLog === undefined ? new AccessLogWriter(writeStdout) : undefined;
  const accessLog =
    options.accessLog === false
      ? undefined
      : (options.accessLog ?? ((line: string) => stdoutLog?.write(line)));
  const mcpServers = options.mcpServers;
  const configOrigin = options.configOrigin ?? "<config>";
  const source: ConfigSource = {
    ...(options.configPaths
      ? { paths: options.configPaths }
      : { text: options.configText ?? "", origin: configOrigin }),
    ...(mcpServers ? { extra: (loaded) => mcpServers.resources(loaded) } : {}),
  };
  const dispatchers = new DispatcherCache();
  // Counters outlive snapshots: a reload keeps what was spent.
  const localCounters = new MemoryCounterStore();
  const limitStores: LimitStores = {
    local: localCounters,
    shared: options.redisUrl
      ? openCounterStore({ redisUrl: options.redisUrl, failMode: options.redisFailMode, log })
      : localCounters,
  };
  const defaultCreatedAt = Math.floor(Date.now() / 1000);
  let generation = 0;
  const configStatus = new ConfigStatus(options.configPaths ?? [configOrigin]);

  /** A new snapshot and the warning lines of its load (the console shows them). */
  const load = async (): Promise<{ snapshot: RuntimeSnapshot; warnings: string[] }> => {
    const warnings: string[] = [];
    const warn = (m: string): void => {
      warnings.push(m);
      log(`aigw: warning: ${m}`);
    };
    const loaded = await loadSnapshot(source, {
      env,
      generation: generation + 1,
      dispatchers,
      defaultCreatedAt,
      limitStores,
      warn,
      // An MCPRoute's securityPolicy (OAuth, API keys, authorization rules, backendSelector).
      mcpAccessOf: options.mcpAccessOf ?? ((route, index) => compileMcpAccess(route, index, { warn })),
    });
    return { snapshot: loaded, warnings };
  };

  const first = await load();
  let snapshot = first.snapshot;
  generation = snapshot.generation;
  configStatus.applied(snapshot, first.warnings, Date.now(), false);
  for (const ignored of snapshot.ignored) log(`aigw: ignored ${ignored}`);

  // Before the ledger, so that a label a header attribute cannot take leaves no file locked.
  const metricOptions = options.metrics === false ? undefined : (options.metrics ?? {});
  const metricMapping = metricOptions?.headerAttributes;
  let ledger: Ledger | undefined;
  // The endpoint picker of every InferencePool: scrapes, prefix index and load outlive reloads.
  const picker = new InferencePools({ log });
  const metrics =
    metricOptions &&
    new GatewayMetrics({
      attributeNames: (metricMapping ?? options.requestHeaderAttributes ?? []).map((a) => a.attribute),
      maxLabelValues: metricOptions.maxLabelValues,
      sources: {
        ejections: () => health.ejectionCounts(),
        pools: () => picker.snapshot(),
        ...(options.ledger ? { ledger: () => ledger?.stats() ?? { queued: 0, writeFailures: 0 } } : {}),
      },
    });
  metrics?.configApplied(snapshot.hash, false);
  let metricsExport: MetricsExport | undefined;
  if (metrics && metricsExportConfig) {
    const names = (metricMapping ?? options.requestHeaderAttributes ?? []).map((a) => a.attribute);
    const labels = attributeLabelNames(names);
    const attributeOfLabel = new Map(labels.map((label, i) => [label, names[i]!]));
    // The OpenTelemetry SDK is loaded only when asked for: a gateway without it keeps ~9 MB less resident.
    const { startMetricsExport } = await import("../telemetry/otlp-metrics-export.js");
    metricsExport = startMetricsExport(metricsExportConfig, metrics.registry, attributeOfLabel);
  }
  let tracer: RequestTracer | undefined;
  if (tracingConfig) {
    const { RequestTracer } = await import("../telemetry/request-tracer.js");
    tracer = new RequestTracer(tracingConfig);
  }
  // After the configuration: a configuration error is reported first. A SQLite file another
  // process holds throws here, before any port is bound.
  ledger = options.ledger ? await openLedger(options.ledger, env, log) : undefined;
  const consoleViews = new ConsoleViews();
  const report = (record: RequestRecord): void => {
    options.onRequest?.(record);
    metrics?.observeRequest(record);
    const endEpochMs = Date.now();
    const startEpochMs = endEpochMs - record.durationMs;
    if (accessLog) {
      const ledgered = ledger !== undefined && belongsInLedger(record);
      accessLog(formatAccessLog(record, startEpochMs, ledgered ? record.requestId : undefined));
    }
    ledger?.record(record, startEpochMs);
    // Last: the access log and the ledger have the record whatever the console's views do.
    consoleViews.observe(record, endEpochMs);
  };
  const health = new BackendHealthRegistry();
  const checker = new ActiveHealthChecker(health);
  /** Backend health follows the configuration: state of removed backends goes, active checks start or stop. */
  const applyHealth = (s: RuntimeSnapshot): void => {
    const keys = backendKeysOf(s);
    health.retainOnly(keys);
    consoleViews.retainBackends(keys);
    checker.sync(activeChecksOf(s));
    picker.sync(poolsOf(s));
  };
  applyHealth(snapshot);
  const context: GatewayContext = {
    report,
    health,
    log,
    headerAttributes: options.requestHeaderAttributes ?? [],
    ...(metricMapping ? { metricHeaderAttributes: metricMapping } : {}),
    ...(accessLog ? { logHeaderAttributes: logMappingOf(options), logPlain: plainLogger(accessLog) } : {}),
    ...(options.debugHeaders ? { debugHeaders: true } : {}),
    ...(tracer ? { tracer } : {}),
    picker,
    mcpReport: mcpReporter({ accessLog, metrics, tracer, listener: options.onMcpRequest }),
  };
  const inFlight = new ServerDrain();
  // The MCP session key is derived once per process, here: never per request.
  const mcpSeed = options.mcpSessionEncryptionSeed || env.AIGW_MCP_SESSION_ENCRYPTION_SEED || undefined;
  context.mcp = {
    sealer: new SessionSealer(mcpSeed ?? DEFAULT_SESSION_SEED),
    report: (record) => context.mcpReport?.(record),
    log,
    initializeTimeoutMs: options.mcpInitializeTimeoutMs ?? DEFAULT_INITIALIZE_TIMEOUT_MS,
    heartbeatMs: DEFAULT_HEARTBEAT_MS,
    endOnDrain: (res, last) => inFlight.endOnDrain(res, last),
    version: GATEWAY_VERSION,
  };
  let seedWarned = false;
  const warnDefaultSeed = (s: RuntimeSnapshot): void => {
    if (mcpSeed !== undefined || seedWarned || s.mcpRoutes.length === 0) return;
    seedWarned = true;
    log(
      `aigw: warning: MCP sessions are sealed with the default seed "${DEFAULT_SESSION_SEED}", which is public: set --mcp-session-encryption-seed or AIGW_MCP_SESSION_ENCRYPTION_SEED`,
    );
  };
  warnDefaultSeed(snapshot);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight.track(res);
    // Every answer names its request, errors and 404s included (set first: writeHead merges it).
    const requestId = uuidV7(Date.now());
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // Capture the snapshot now: a reload during this request must not change its view.
    const current = snapshot;
    const pending = handleRequest(req, res, current, context, requestId);
    // The request path answers its own errors in the client API's envelope; anything that still
    // escapes is a bug, logged, and the connection closed rather than answered in a guessed envelope.
    pending?.catch((err: unknown) => {
      log(`aigw: internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (!res.writableEnded) res.destroy();
    });
  };

  const tls = snapshot.listener.tls;
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest)
    : createHttpServer(onRequest);
  server.keepAliveTimeout = 65_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
  });
  // The console's JSON endpoints, by name (docs/console.md): every one is registered here.
  const consoleHandlers = consoleViews.handlers({
    snapshot: () => snapshot,
    config: configStatus,
    health,
    picker,
    limitStores,
    ledger,
    attributeNames: context.headerAttributes.map((a) => a.attribute),
  });
  const admin = createAdminServer({
    isReady: () => !inFlight.isDraining,
    token: options.adminToken,
    metrics,
    usage: { ledger, attributeNames: context.headerAttributes.map((a) => a.attribute) },
    consoleHandlers,
    log,
  });
  const host = options.host ?? snapshot.listener.host;
  try {
    await listen(server, options.port ?? snapshot.listener.port, host);
    await listen(admin, options.adminPort ?? DEFAULT_ADMIN_PORT, host);
  } catch (err) {
    // Release the ledger (its file lock) when the gateway cannot start after all.
    server.close();
    checker.stop();
    await Promise.all([ledger?.close(0), tracer?.close(), metricsExport?.close(), picker.close()]);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const adminPort = (admin.address() as AddressInfo).port;
  const displayHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;

  const reload = async (): Promise<{ ok: true } | { ok: false; error: string }> => {
    try {
      const { snapshot: next, warnings } = await load();
      if (next.listener.port !== snapshot.listener.port && options.port === undefined) {
        log(`aigw: warning: listener port changes take effect on restart (still serving ${port})`);
      }
      snapshot = next;
      generation = next.generation;
      applyHealth(next);
      warnDefaultSeed(next);
      metrics?.configApplied(next.hash, true);
      configStatus.applied(next, warnings, Date.now(), true);
      log(`aigw: configuration reloaded (generation ${generation})`);
      return { ok: true };
    } catch (err) {
      const error = (err as Error).message;
      metrics?.configRejected();
      configStatus.rejected(error, Date.now());
      log(`aigw: configuration rejected, still serving generation ${generation}:\n${error}`);
      return { ok: false, error };
    }
  };

  const watchers =
    options.configPaths && options.watch !== false ? watchPaths(options.configPaths, reload) : [];
  let shutdown: Promise<DrainResult> | undefined;

  return {
    url: `${tls ? "https" : "http"}://${displayHost}:${port}`,
    adminUrl: `http://${displayHost}:${adminPort}`,
    port,
    adminPort,
    generation: () => generation,
    reload,
    inFlight: () => inFlight.size,
    drain,
    close: () => drain(0).then(() => undefined),
    flushTelemetry: async () => {
      await Promise.all([tracer?.flush(), metricsExport?.flush()]);
    },
  };

  function drain(timeoutMs: number): Promise<DrainResult> {
    if (shutdown) {
      void inFlight.drain(server, timeoutMs);
      return shutdown;
    }
    for (const w of watchers) w.close();
    checker.stop();
    void picker.close();
    shutdown = inFlight.drain(server, timeoutMs).then(async (forced) => {
      await closeServer(admin);
      // After the requests: the last MCP calls to a stdio server are answered before it stops.
      await mcpServers?.close();
      await dispatchers.closeAll();
      // Every request has reported by now: what the ledger holds is complete.
      await Promise.all([
        limitStores.shared.close(),
        localCounters.close(),
        ledger?.close(LEDGER_CLOSE_TIMEOUT_MS),
        // Every span has ended and every request is counted: the last export sends all of it.
        tracer?.close(),
        metricsExport?.close(),
      ]);
      stdoutLog?.flush();
      return { forced };
    });
    return shutdown;
  }
}

/** Logs a request outside the API endpoints when its answer is done (or cut: the client's 499). */
function plainLogger(
  accessLog: (line: string) => void,
): (req: IncomingMessage, res: ServerResponse, path: string, requestId: string) => void {
  return (req, res, path, requestId) => {
    const started = performance.now();
    res.once("close", () => {
      const durationMs = performance.now() - started;
      const status = res.writableFinished ? res.statusCode : 499;
      accessLog(
        formatPlainAccessLog(req.method, path, status, durationMs, requestId, Date.now() - durationMs),
      );
    });
  };
}

/** The access log's header attributes: its own mapping, else the base one plus the session id. */
function logMappingOf(options: GatewayOptions): readonly HeaderAttribute[] {
  if (options.logHeaderAttributes) return options.logHeaderAttributes;
  const base = options.requestHeaderAttributes ?? [];
  const session = SESSION_ID_ATTRIBUTE;
  const taken = base.some((a) => a.header === session.header || a.attribute === session.attribute);
  return taken ? base : [...base, session];
}

function writeStdout(bytes: Buffer): void {
  process.stdout.write(bytes);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Watches config files/directories; bursts of events (editors write in steps) cause one reload. */
function watchPaths(paths: readonly string[], reload: () => Promise<unknown>): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      running = (running ?? Promise.resolve()).then(reload);
    }, RELOAD_DEBOUNCE_MS);
  };
  return paths.map((path) => {
    // A file is watched through its directory: editors often replace the file, and a watch on the
    // old inode would go silent.
    const isDir = statSync(path).isDirectory();
    const w = isDir
      ? watch(path, { recursive: true, persistent: false }, schedule)
      : watch(dirname(path), { persistent: false }, (_event, name) => {
          if (name === null || name === basename(path)) schedule();
        });
    w.on("error", () => undefined);
    return w;
  });
}

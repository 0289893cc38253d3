import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "undici";
import { SseReader } from "../src/util/sse-reader.js";
import {
  BENCH_DIST,
  binNodeFlags,
  freePort,
  REPO_ROOT,
  type ServerProcess,
  startServer,
} from "./bench-processes.js";
import type { McpBenchResults, McpInitializeResults } from "./bench-results.js";
import { summarize } from "./percentiles.js";
import { cpuSeconds, machineBusySeconds } from "./process-stats.js";

/**
 * The MCP benchmark: two sets of three MCP upstreams, each set with `aigw run bench/gateway-mcp.yaml`
 * over it, every server its own process; c of each set holds every initialize `initializeDelayMs`.
 * The SDK set (serve-mcp-upstream.ts, the official v1 SDK) serves (a) tools/call of a's `echo`
 * directly and as `a__echo` through its gateway, alternated call by call in one loop so drifts of
 * the machine hit both alike. (b) initialize, on both sets: directly against each upstream, through
 * the set's gateway (fanned out to all three), and directly against all three at once (the
 * client's own fan-out), round-robin over all ten. The lean set (serve-lean-mcp-upstream.ts) is the
 * budget's measure: the SDK spends ≈ 2 ms of CPU per initialize, and with three upstreams on one
 * core the slowest one's request waits for its siblings' work when the gateway's fan-out reaches
 * them together, which backends on hosts of their own don't; the lean ones spend microseconds, so
 * the slowest is slow by its delay alone, directly and through the gateway.
 * The client is lean on purpose: JSON-RPC bodies over one keep-alive undici connection per target,
 * one request at a time; the SDK's own client costs more than the sub-millisecond differences
 * measured. Run by run-bench.ts (itself pinned to the client core); prints one JSON line
 * (McpBenchResults). Usage: node dist/bench/mcp-bench.js '<McpBenchJob JSON>'.
 */
export interface McpBenchJob {
  calls: number;
  warmupCalls: number;
  initializeRounds: number;
  warmupInitializeRounds: number;
  initializeDelayMs: number;
  /** Cores of the upstreams ("0") and of the gateway ("1"); undefined: not pinned. */
  upstreamCpus?: string;
  gatewayCpus?: string;
  /** Node flags for the gateway before its bin's own (--cpu-prof ...). */
  gatewayNodeArgs: string[];
  /** Appended to `aigw run`. */
  gatewayArgs: string[];
}

const job = JSON.parse(process.argv[2] ?? "{}") as McpBenchJob;
const GATEWAY_BIN = `${REPO_ROOT}dist/src/cli/main.js`;
const PROTOCOL_VERSION = "2025-11-25";
const ACCEPT = "application/json, text/event-stream";
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "aigw-mcp-bench", version: "1.0.0" },
  },
});
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
const PROBE = { path: "/mcp", body: INITIALIZE, headers: { accept: ACCEPT } };

/** One MCP endpoint and the keep-alive connection the client uses for it. */
interface Endpoint {
  readonly name: string;
  readonly client: Client;
}

interface Answer {
  status: number;
  sessionId: string | undefined;
  /** The JSON-RPC response (a JSON body, or the SSE event carrying it); undefined when none came. */
  response: { result?: Record<string, unknown>; error?: unknown } | undefined;
}

/** POSTs one JSON-RPC message and reads the whole answer (JSON or SSE), as any MCP client must. */
async function post(endpoint: Endpoint, body: string, sessionId?: string): Promise<Answer> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: ACCEPT,
    "mcp-protocol-version": PROTOCOL_VERSION,
  };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  const reply = await endpoint.client.request({ path: "/mcp", method: "POST", headers, body });
  const session = reply.headers["mcp-session-id"];
  const type = String(reply.headers["content-type"] ?? "");
  let response: Answer["response"];
  if (type.startsWith("text/event-stream")) {
    const reader = new SseReader();
    for await (const chunk of reply.body) {
      for (const event of reader.push(chunk as Buffer)) {
        if (event.data === "") continue;
        const message = JSON.parse(event.data) as NonNullable<Answer["response"]> & { id?: unknown };
        if (message.id !== undefined && (message.result || message.error)) response = message;
      }
    }
  } else {
    const text = await reply.body.text();
    response = text === "" ? undefined : JSON.parse(text);
  }
  return {
    status: reply.statusCode,
    sessionId: typeof session === "string" ? session : undefined,
    response,
  };
}

async function endSession(endpoint: Endpoint, sessionId: string): Promise<void> {
  const reply = await endpoint.client.request({
    path: "/mcp",
    method: "DELETE",
    headers: { "mcp-session-id": sessionId, "mcp-protocol-version": PROTOCOL_VERSION },
  });
  await reply.body.dump();
}

/** initialize + notifications/initialized: the session a client calls tools in. */
async function openSession(endpoint: Endpoint): Promise<string> {
  const init = await post(endpoint, INITIALIZE);
  if (init.status !== 200 || !init.sessionId || !init.response?.result) {
    throw new Error(`${endpoint.name}: initialize answered ${init.status} ${JSON.stringify(init.response)}`);
  }
  const ack = await post(endpoint, INITIALIZED, init.sessionId);
  if (ack.status !== 202)
    throw new Error(`${endpoint.name}: notifications/initialized answered ${ack.status}`);
  return init.sessionId;
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One tools/call timed from send to the last byte; NaN when it did not answer the echoed text. */
async function timedCall(endpoint: Endpoint, sessionId: string, tool: string, id: number): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: tool, arguments: { text: `call ${id}` } },
  });
  const start = nowMs();
  const answer = await post(endpoint, body, sessionId);
  const elapsed = nowMs() - start;
  const content = answer.response?.result?.content as { text?: string }[] | undefined;
  return answer.status === 200 && content?.[0]?.text === `a:call ${id}` ? elapsed : Number.NaN;
}

/** One initialize of a new session, timed; the session is then ended, untimed. NaN on failure. */
async function timedInitialize(endpoint: Endpoint): Promise<number> {
  const start = nowMs();
  const answer = await post(endpoint, INITIALIZE);
  const elapsed = nowMs() - start;
  if (answer.sessionId) await endSession(endpoint, answer.sessionId);
  return answer.status === 200 && answer.response?.result ? elapsed : Number.NaN;
}

/**
 * The client's own fan-out: initialize on every upstream at once, timed until the last has answered;
 * the sessions are then ended, untimed. The slowest backend as the gateway meets it, its siblings
 * initializing beside it on the same core. NaN when one failed.
 */
async function timedInitializeAll(upstreams: readonly Endpoint[]): Promise<number> {
  const start = nowMs();
  const answers = await Promise.all(upstreams.map((endpoint) => post(endpoint, INITIALIZE)));
  const elapsed = nowMs() - start;
  await Promise.all(
    answers.map((answer, i) => (answer.sessionId ? endSession(upstreams[i]!, answer.sessionId) : undefined)),
  );
  return answers.every((answer) => answer.status === 200 && answer.response?.result) ? elapsed : Number.NaN;
}

/** The measured samples without the failed ones, and how many failed. */
function split(samples: number[]): { ok: Float64Array; failed: number } {
  const ok = samples.filter((value) => !Number.isNaN(value));
  return { ok: Float64Array.from(ok), failed: samples.length - ok.length };
}

const NAMES = ["a", "b", "c"] as const;

/** Three upstreams of one kind and a gateway over them, each its own process. */
interface UpstreamSet {
  readonly upstreams: ServerProcess[];
  readonly gateway: ServerProcess;
  /** a, b, c directly, then the gateway. */
  readonly endpoints: Endpoint[];
}

const started: ServerProcess[] = [];
const endpoints: Endpoint[] = [];

/** Starts `script`'s upstreams a, b, c (c holding every initialize) and a gateway over them. */
async function startSet(label: string, script: string): Promise<UpstreamSet> {
  const ports: Record<string, number> = {};
  const upstreams: ServerProcess[] = [];
  for (const name of NAMES) {
    const port = await freePort();
    ports[name] = port;
    const delay = name === "c" ? job.initializeDelayMs : 0;
    const args = [`${BENCH_DIST}${script}`, "--port", String(port), "--name", name];
    const server = await startServer(
      `${label} upstream ${name}`,
      [...args, "--initialize-delay-ms", String(delay)],
      port,
      job.upstreamCpus,
      process.env,
      PROBE,
    );
    started.push(server);
    upstreams.push(server);
  }
  const port = await freePort();
  const gateway = await startServer(
    `${label} gateway`,
    [
      ...job.gatewayNodeArgs,
      ...binNodeFlags(GATEWAY_BIN),
      GATEWAY_BIN,
      "run",
      `${REPO_ROOT}bench/gateway-mcp.yaml`,
      "--port",
      String(port),
      "--admin-port",
      String(await freePort()),
      "--host",
      "127.0.0.1",
      "--ledger",
      "off",
      // A fixed seed: the default one makes the gateway warn, and the seed's value costs nothing per request.
      "--mcp-session-encryption-seed",
      "aigw-mcp-bench",
      ...job.gatewayArgs,
    ],
    port,
    job.gatewayCpus,
    {
      ...process.env,
      MCP_A_PORT: String(ports.a),
      MCP_B_PORT: String(ports.b),
      MCP_C_PORT: String(ports.c),
      AIGW_DATA_HOME: mkdtempSync(join(tmpdir(), "aigw-mcp-bench-")),
    },
    PROBE,
  );
  started.push(gateway);
  const own = [...upstreams, gateway].map((server) => ({
    name: server.name,
    client: new Client(server.origin, { pipelining: 1 }),
  }));
  endpoints.push(...own);
  return { upstreams, gateway, endpoints: own };
}

/** initialize of each upstream alone, of the gateway, and of all three upstreams at once. */
function initializersOf(set: UpstreamSet): (() => Promise<number>)[] {
  return [
    ...set.endpoints.map((endpoint) => () => timedInitialize(endpoint)),
    () => timedInitializeAll(set.endpoints.slice(0, NAMES.length)),
  ];
}

/** The initialize results of one set from its initializers' samples (in initializersOf's order). */
function initializeResults(samples: number[][]): McpInitializeResults {
  const direct = NAMES.map((_, i) => split(samples[i]!));
  const gateway = split(samples[NAMES.length]!);
  const atOnce = split(samples[NAMES.length + 1]!);
  return {
    rounds: job.initializeRounds,
    warmupRounds: job.warmupInitializeRounds,
    delayMs: job.initializeDelayMs,
    direct: Object.fromEntries(NAMES.map((name, i) => [name, summarize(direct[i]!.ok)])),
    gateway: summarize(gateway.ok),
    directAtOnce: summarize(atOnce.ok),
    failures: {
      direct: direct.reduce((sum, s) => sum + s.failed, 0) + atOnce.failed,
      gateway: gateway.failed,
    },
  };
}

try {
  const sdk = await startSet("MCP", "serve-mcp-upstream.js");
  const lean = await startSet("lean MCP", "serve-lean-mcp-upstream.js");
  const [directA, , , viaGateway] = sdk.endpoints as [Endpoint, Endpoint, Endpoint, Endpoint];
  const gateway = sdk.gateway;

  const watched = [sdk.gateway, lean.gateway, ...sdk.upstreams, ...lean.upstreams];
  const cpuBefore = watched.map((server) => cpuSeconds(server.pid));
  const clientBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const wallStart = nowMs();

  // (a) tools/call, alternated; the order flips every call so neither path always goes first.
  const directSession = await openSession(directA);
  const gatewaySession = await openSession(viaGateway);
  const direct: number[] = [];
  const viaGatewayMs: number[] = [];
  const paired: number[] = [];
  for (let i = 0; i < job.warmupCalls + job.calls; i++) {
    let d: number;
    let g: number;
    if (i % 2 === 0) {
      d = await timedCall(directA, directSession, "echo", i);
      g = await timedCall(viaGateway, gatewaySession, "a__echo", i);
    } else {
      g = await timedCall(viaGateway, gatewaySession, "a__echo", i);
      d = await timedCall(directA, directSession, "echo", i);
    }
    if (i < job.warmupCalls) continue;
    direct.push(d);
    viaGatewayMs.push(g);
    paired.push(g - d);
  }
  await Promise.all([endSession(directA, directSession), endSession(viaGateway, gatewaySession)]);

  // (b) initialize, round-robin over both sets' three upstreams, gateway and three at once, the
  // order rotating per round.
  const initializers = [...initializersOf(sdk), ...initializersOf(lean)];
  const initialized = initializers.map((): number[] => []);
  for (let round = 0; round < job.warmupInitializeRounds + job.initializeRounds; round++) {
    for (let k = 0; k < initializers.length; k++) {
      const at = (round + k) % initializers.length;
      const elapsed = await initializers[at]!();
      if (round >= job.warmupInitializeRounds) initialized[at]!.push(elapsed);
    }
  }

  const wall = (nowMs() - wallStart) / 1000;
  const used = watched.map((server, i) => cpuSeconds(server.pid) - cpuBefore[i]!);
  const clientUsage = process.cpuUsage(clientBefore);
  const client = (clientUsage.user + clientUsage.system) / 1e6;
  const ours = client + used.reduce((sum, value) => sum + value, 0);
  const directCalls = split(direct);
  const gatewayCalls = split(viaGatewayMs);
  const perSet = NAMES.length + 2;
  const results: McpBenchResults = {
    toolsCall: {
      calls: job.calls,
      warmupCalls: job.warmupCalls,
      direct: summarize(directCalls.ok),
      gateway: summarize(gatewayCalls.ok),
      pairedAdded: summarize(split(paired).ok),
      failures: { direct: directCalls.failed, gateway: gatewayCalls.failed },
    },
    initialize: initializeResults(initialized.slice(0, perSet)),
    leanInitialize: initializeResults(initialized.slice(perSet)),
    cpu: {
      client: client / wall,
      gateway: (used[0]! + used[1]!) / wall,
      upstreams: used.slice(2).reduce((sum, value) => sum + value, 0) / wall,
      other: Math.max(0, machineBusySeconds() - machineBefore - ours) / wall,
    },
    gatewayPid: gateway.pid,
    leanGatewayPid: lean.gateway.pid,
  };
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await Promise.all(endpoints.map((endpoint) => endpoint.client.close()));
  await Promise.all(started.map((server) => server.stop()));
}

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
import type { McpBenchResults } from "./bench-results.js";
import { summarize } from "./percentiles.js";
import { cpuSeconds, machineBusySeconds } from "./process-stats.js";

/**
 * The MCP benchmark: three MCP upstreams (serve-mcp-upstream.ts, the official v1 SDK; c holds every
 * initialize `initializeDelayMs`) and `aigw run bench/gateway-mcp.yaml` over them, each its own
 * process, then (a) tools/call of a's `echo` directly and as `a__echo` through the gateway,
 * alternated call by call in one loop so drifts of the machine hit both alike, and (b) initialize
 * directly against each upstream, through the gateway (fanned out to all three), and directly
 * against all three at once (the client's own fan-out), round-robin.
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
const upstreams: ServerProcess[] = [];
let gateway: ServerProcess | undefined;
const endpoints: Endpoint[] = [];
try {
  const ports: Record<string, number> = {};
  for (const name of NAMES) {
    const port = await freePort();
    ports[name] = port;
    const delay = name === "c" ? job.initializeDelayMs : 0;
    upstreams.push(
      await startServer(
        `MCP upstream ${name}`,
        [
          `${BENCH_DIST}serve-mcp-upstream.js`,
          "--port",
          String(port),
          "--name",
          name,
          "--initialize-delay-ms",
          String(delay),
        ],
        port,
        job.upstreamCpus,
        process.env,
        PROBE,
      ),
    );
  }
  const port = await freePort();
  gateway = await startServer(
    "MCP gateway",
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
  for (const server of [...upstreams, gateway]) {
    endpoints.push({ name: server.name, client: new Client(server.origin, { pipelining: 1 }) });
  }
  const [directA, , , viaGateway] = endpoints as [Endpoint, Endpoint, Endpoint, Endpoint];

  const watched = [gateway, ...upstreams];
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

  // (b) initialize, round-robin over the three upstreams, the gateway and the three at once, the
  // order rotating per round.
  const directUpstreams = endpoints.slice(0, NAMES.length);
  const initializers = [
    ...endpoints.map((endpoint) => () => timedInitialize(endpoint)),
    () => timedInitializeAll(directUpstreams),
  ];
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
  const initDirect = NAMES.map((_, i) => split(initialized[i]!));
  const initGateway = split(initialized[3]!);
  const initAll = split(initialized[4]!);
  const results: McpBenchResults = {
    toolsCall: {
      calls: job.calls,
      warmupCalls: job.warmupCalls,
      direct: summarize(directCalls.ok),
      gateway: summarize(gatewayCalls.ok),
      pairedAdded: summarize(split(paired).ok),
      failures: { direct: directCalls.failed, gateway: gatewayCalls.failed },
    },
    initialize: {
      rounds: job.initializeRounds,
      warmupRounds: job.warmupInitializeRounds,
      delayMs: job.initializeDelayMs,
      direct: Object.fromEntries(NAMES.map((name, i) => [name, summarize(initDirect[i]!.ok)])),
      gateway: summarize(initGateway.ok),
      directAtOnce: summarize(initAll.ok),
      failures: {
        direct: initDirect.reduce((sum, s) => sum + s.failed, 0) + initAll.failed,
        gateway: initGateway.failed,
      },
    },
    cpu: {
      client: client / wall,
      gateway: used[0]! / wall,
      upstreams: used.slice(1).reduce((sum, value) => sum + value, 0) / wall,
      other: Math.max(0, machineBusySeconds() - machineBefore - ours) / wall,
    },
    gatewayPid: gateway.pid,
  };
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await Promise.all(endpoints.map((endpoint) => endpoint.client.close()));
  await Promise.all([gateway?.stop(), ...upstreams.map((server) => server.stop())]);
}

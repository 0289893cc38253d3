import type { SimulatorOptions } from "../../src/sim/simulator-options.js";
import { type RunningSimulator, startSimulator } from "../../src/sim/start-simulator.js";
import { modelIs, routeDoc } from "./gateway-yaml.js";

/** Simulated replicas of one pool: 127.0.0.2, 127.0.0.3, ... all on the same port, as pods would be. */
export interface SimPool {
  readonly port: number;
  readonly sims: RunningSimulator[];
  /** "ip:port" of replica i. */
  address(i: number): string;
  /** Stops replica i at once, dropping its connections (a crashed pod). */
  kill(i: number): Promise<void>;
  /** One replica's vLLM gauge, read from its /metrics. */
  gauge(i: number, name: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function startSimPool(count: number, options: SimulatorOptions = {}): Promise<SimPool> {
  const first = await startSimulator({ ...options, host: "127.0.0.2", port: 0 });
  const sims = [first];
  try {
    for (let i = 1; i < count; i++) {
      sims.push(await startSimulator({ ...options, host: `127.0.0.${i + 2}`, port: first.port }));
    }
  } catch (err) {
    await Promise.all(sims.map((s) => s.close()));
    throw err;
  }
  const closed = new Set<number>();
  return {
    port: first.port,
    sims,
    address: (i) => `127.0.0.${i + 2}:${first.port}`,
    kill(i) {
      closed.add(i);
      return sims[i]!.close();
    },
    async gauge(i, name) {
      const text = await (await fetch(`${sims[i]!.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
    },
    async close() {
      await Promise.all(
        sims.map((s, i) => {
          if (closed.has(i)) return undefined;
          closed.add(i);
          return s.close();
        }),
      );
    },
  };
}

export interface PoolPod {
  readonly ip: string;
  readonly ready?: boolean;
}

type Doc = Record<string, unknown>;

/**
 * An InferencePool "pool" selecting the `app: sim` pods on one target port, the pods (Ready unless
 * told otherwise), and InferenceObjectives (name -> priority) for it.
 */
export function poolDocs(
  port: number,
  pods: readonly PoolPod[],
  objectives: Readonly<Record<string, number>> = {},
): Doc[] {
  return [
    {
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: "pool", namespace: "default" },
      spec: { selector: { matchLabels: { app: "sim" } }, targetPorts: [{ number: port }] },
    },
    ...pods.map((p, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `sim-${i}`, namespace: "default", labels: { app: "sim" } },
      status: { podIP: p.ip, conditions: [{ type: "Ready", status: p.ready === false ? "False" : "True" }] },
    })),
    ...Object.entries(objectives).map(([name, priority]) => ({
      apiVersion: "llm-d.ai/v1alpha2",
      kind: "InferenceObjective",
      metadata: { name, namespace: "default" },
      spec: { priority, poolRef: { name: "pool" } },
    })),
  ];
}

/** A route sending `model` to the pool; `fallback` names AIServiceBackends (aigw/inference-pool-fallback). */
export function poolRouteDoc(model: string, fallback?: string): Doc {
  const route = routeDoc(`route-${model}`, {
    rules: [
      {
        matches: [modelIs(model)],
        backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: "pool" }],
      },
    ],
  });
  if (fallback !== undefined) {
    (route.metadata as Doc).annotations = { "aigw/inference-pool-fallback": fallback };
  }
  return route;
}

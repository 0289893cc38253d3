import OpenAI from "openai";
import type { SimulatorOptions } from "../../src/sim/simulator-options.js";
import { type RunningSimulator, startSimulator } from "../../src/sim/start-simulator.js";

/** A simulator on a free loopback port and an official SDK client pointed at it. */
export async function startSimWithClient(
  options: SimulatorOptions = {},
): Promise<{ sim: RunningSimulator; client: OpenAI }> {
  const sim = await startSimulator({ port: 0, ...options });
  const client = new OpenAI({ apiKey: "sk-test", baseURL: `${sim.url}/v1`, maxRetries: 0 });
  return { sim, client };
}

/** Runs `body` against a simulator started for it with `options`; closes the simulator however it ends. */
export async function withSimClient<T>(
  options: SimulatorOptions,
  body: (started: { sim: RunningSimulator; client: OpenAI }) => Promise<T>,
): Promise<T> {
  const started = await startSimWithClient(options);
  try {
    return await body(started);
  } finally {
    await started.sim.close();
  }
}

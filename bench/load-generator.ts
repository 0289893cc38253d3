import { runClosedLoop } from "./closed-loop.js";
import type { LoadJob } from "./load-job.js";
import { runOpenLoop } from "./open-loop.js";

/**
 * The load generator as its own process, so it never shares an event loop with what it measures.
 * Usage: node dist/bench/load-generator.js '<LoadJob JSON>'; prints one LoadResult JSON line.
 */
const job = JSON.parse(process.argv[2] ?? "") as LoadJob;
const cpuBefore = process.cpuUsage();
const result = job.mode === "closed" ? await runClosedLoop(job) : await runOpenLoop(job);
const cpu = process.cpuUsage(cpuBefore);
result.clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify(result)}\n`);

import { readFileSync } from "node:fs";

/**
 * Self time per function and per file from a V8 .cpuprofile (node --cpu-prof), to see where a
 * server spends its CPU under benchmark load.
 * Usage: node dist/bench/summarize-cpu-profile.js <file.cpuprofile> [top=25]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function summarizeCpuProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
  };
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = shortFile(url);
    const fn = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byFile.set(file, (byFile.get(file) ?? 0) + hits);
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const lines = [`${path}: ${totalHits} samples over ${seconds.toFixed(1)} s`, "", "self time by function:"];
  for (const [name, hits] of ranked(byFunction, top)) lines.push(`  ${share(hits, totalHits)}  ${name}`);
  lines.push("", "self time by file:");
  for (const [name, hits] of ranked(byFile, top)) lines.push(`  ${share(hits, totalHits)}  ${name}`);
  return `${lines.join("\n")}\n`;
}

function ranked(map: Map<string, number>, top: number): [string, number][] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
}

function share(hits: number, total: number): string {
  return `${((hits / total) * 100).toFixed(1).padStart(5)} %`;
}

/** node_modules/<pkg>/..., dist/src/..., node:internal/... without the machine's path prefix. */
function shortFile(url: string): string {
  if (url === "") return "(native / V8)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules !== -1) return url.slice(modules + "node_modules/".length);
  const dist = url.indexOf("/dist/");
  return dist !== -1 ? url.slice(dist + 1) : url;
}

if (process.argv[1]?.endsWith("summarize-cpu-profile.js")) {
  process.stdout.write(summarizeCpuProfile(process.argv[2] ?? "", Number(process.argv[3] ?? 25)));
}

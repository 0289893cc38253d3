import { readFileSync } from "node:fs";

/** sysconf(_SC_CLK_TCK) is 100 on every Linux configuration Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Resident set size of a live process in bytes, from /proc/<pid>/status (VmRSS, reported in kB). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const line = status.split("\n").find((l) => l.startsWith("VmRSS:"));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number.parseInt(line.slice("VmRSS:".length), 10) * 1024;
}

/** User + system CPU time of a process in seconds, from /proc/<pid>/stat (fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time all processes on the machine spent busy (every core, user + system + irq + steal), in
 * seconds, from the first line of /proc/stat. Subtracting the benchmark's own processes tells how
 * much other work shared the cores during a measurement.
 */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = ticks.reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
  return busy / CLOCK_TICKS_PER_SECOND;
}

import { readdirSync, readFileSync } from "node:fs";

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
  return ticksOf(readFileSync(`/proc/${pid}/stat`, "utf8")) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds of a live process's main thread and of all its other threads together (V8's GC
 * helpers, the libuv pool, workers), from /proc/<pid>/task: which a cost lands on, which a
 * main-thread CPU profile cannot show. (Node 20 leaves its threads unnamed, so names cannot split them.)
 */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  const split = { main: 0, others: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    const seconds = ticksOf(stat) / CLOCK_TICKS_PER_SECOND;
    if (Number(tid) === pid) split.main += seconds;
    else split.others += seconds;
  }
  return split;
}

/** utime + stime of a /proc stat line; the command name (field 2) may contain spaces. */
function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
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

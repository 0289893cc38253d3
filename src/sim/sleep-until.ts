import { performance } from "node:perf_hooks";

/**
 * Resolves no earlier than `deadline` (a performance.now() value); undefined when it has passed, so
 * a zero-latency simulator never leaves the current tick. Timers can fire a little early against the
 * monotonic clock (libuv caches loop time), hence the re-check: the latency model promises lower
 * bounds.
 */
export function sleepUntil(deadline: number): Promise<void> | undefined {
  const wait = deadline - performance.now();
  if (wait <= 0) return undefined;
  return new Promise((resolve) => {
    const check = (): void => {
      const left = deadline - performance.now();
      if (left <= 0) resolve();
      else setTimeout(check, Math.ceil(left));
    };
    setTimeout(check, Math.ceil(wait));
  });
}

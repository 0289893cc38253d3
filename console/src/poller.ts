/**
 * Runs `tick` now and then every `intervalMs` after the previous tick finished (ticks never overlap),
 * but only while the tab is visible: a hidden console costs the gateway nothing, and a tab shown
 * again ticks at once. Returns the function that stops it.
 */
export function startPolling(intervalMs: number, tick: () => Promise<void>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let stopped = false;

  const run = async (): Promise<void> => {
    clearTimeout(timer);
    if (stopped || running || document.visibilityState !== "visible") return;
    running = true;
    try {
      await tick();
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(run, intervalMs);
    }
  };
  const onVisibility = (): void => void run();

  document.addEventListener("visibilitychange", onVisibility);
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisibility);
  };
}

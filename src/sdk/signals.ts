/**
 * `opencode serve` stopped by SIGTERM (or SIGINT/SIGHUP) gives plugins nothing: no dispose. To
 * still deliver what is buffered without changing how the process ends, one process-wide
 * listener (shared by every plugin instance) runs the instances' final flush, removes itself and
 * raises the same signal again, so the process dies exactly as it would have without us (same
 * signal, same status). When anyone else also listens for that signal, they own the exit: we
 * flush in the background and stay out of the way. The flush is bounded (`FLUSH_LIMIT_MS`).
 */
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
type ExitSignal = (typeof SIGNALS)[number];

const FLUSH_LIMIT_MS = 3_000;

const finalizers = new Set<() => Promise<void>>();

function handle(signal: ExitSignal): void {
  const flushes = [...finalizers].map((finalize) => finalize().catch(() => undefined));
  finalizers.clear();
  uninstall();
  if (process.listenerCount(signal) > 0) return;
  let raised = false;
  const raise = () => {
    if (raised) return;
    raised = true;
    process.kill(process.pid, signal);
  };
  // Deliberately not unref'd: this timer is what guarantees the signal is raised again.
  const timer = setTimeout(raise, FLUSH_LIMIT_MS);
  Promise.allSettled(flushes).then(() => {
    clearTimeout(timer);
    raise();
  });
}

const listeners: Record<ExitSignal, () => void> = {
  SIGTERM: () => handle("SIGTERM"),
  SIGINT: () => handle("SIGINT"),
  SIGHUP: () => handle("SIGHUP"),
};

function install(): void {
  for (const signal of SIGNALS) process.on(signal, listeners[signal]);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.off(signal, listeners[signal]);
}

/**
 * Registers a plugin instance's final flush for exit signals; returns the unregister function
 * (called from dispose). The listeners exist only while at least one instance is registered.
 */
export function flushOnExitSignal(finalize: () => Promise<void>): () => void {
  if (finalizers.size === 0) install();
  finalizers.add(finalize);
  return () => {
    if (!finalizers.delete(finalize)) return;
    if (finalizers.size === 0) uninstall();
  };
}

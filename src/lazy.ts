import { parseConfig } from "./config/parse.js";
import { createDiagnosticLog, opencodeLogSink } from "./log.js";
import type { OtelHooks, PluginEnvironment } from "./plugin.js";
import { flushOnExitSignal } from "./sdk/signals.js";

/** Hook calls kept while the SDK loads; beyond this many, the oldest are dropped. */
const MAX_PENDING = 10_000;

type Pending =
  | { readonly hook: "event"; readonly time: number; readonly input: { event: unknown } }
  | {
      readonly hook: "chat.message";
      readonly time: number;
      readonly input: unknown;
      readonly output: unknown;
    };

/**
 * What opencode calls: returns the hooks at once and loads the OpenTelemetry SDK in the
 * background (it is most of the plugin's code), so opencode's startup does not wait for it.
 * Hook calls made meanwhile are kept, with their arrival time, and replayed in order once the
 * pipeline is up. `dispose` waits for the load, then finalizes as usual.
 */
export function createLazyHooks(environment: PluginEnvironment): OtelHooks {
  const log = createDiagnosticLog(environment.logSink ?? opencodeLogSink(environment.client));
  const parsed = parseConfig(environment);
  for (const warning of parsed.warnings) log.warn(`opencode-otel: ${warning}`);
  if (!parsed.config.enabled) return {};
  const clock = environment.now ?? Date.now;
  let replaying: number | undefined;
  let hooks: OtelHooks | undefined;
  let pending: Pending[] | undefined = [];
  const keep = (call: Pending) => {
    if (!pending) return;
    if (pending.length >= MAX_PENDING) pending.shift();
    pending.push(call);
  };

  const loading = import("./plugin.js")
    .then((plugin) =>
      plugin.createPluginInstance({
        ...environment,
        parsed,
        now: () => replaying ?? clock(),
        // This wrapper owns the exit-signal flush, so it covers the loading time too.
        exitSignals: false,
      }),
    )
    .then(async (instance) => {
      const queued = pending ?? [];
      pending = undefined;
      for (const call of queued) {
        replaying = call.time;
        if (call.hook === "event") await instance.hooks.event?.(call.input);
        else await instance.hooks["chat.message"]?.(call.input, call.output);
      }
      replaying = undefined;
      hooks = instance.hooks;
    })
    .catch((error: unknown) => {
      pending = undefined;
      const name = error instanceof Error ? error.name : typeof error;
      log.error(
        `opencode-otel: the telemetry pipeline failed to start (${name}); telemetry is off.`,
      );
    });

  let disposed: Promise<void> | undefined;
  const dispose = () => {
    disposed ??= (async () => {
      unregister();
      await loading;
      await hooks?.dispose?.();
    })();
    return disposed;
  };
  const unregister = flushOnExitSignal(dispose);

  return {
    event: async (input) => {
      if (hooks) return hooks.event?.(input);
      keep({ hook: "event", time: clock(), input });
    },
    "chat.message": async (input, output) => {
      if (hooks) return hooks["chat.message"]?.(input, output);
      keep({ hook: "chat.message", time: clock(), input, output });
    },
    dispose,
  };
}

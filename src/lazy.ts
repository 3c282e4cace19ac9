import { parseConfig } from "./config/parse.js";
import { createDiagnosticLog, opencodeLogSink } from "./log.js";
import type { OtelHooks, PluginEnvironment } from "./plugin.js";
import { flushOnExitSignal } from "./sdk/signals.js";

/**
 * Hook calls kept while the pipeline loads. Loading takes tens of milliseconds, in which opencode
 * makes a handful of calls; the bounds only matter when something is wrong. Beyond this many
 * calls, or this long after the factory, calls are not kept (the first ones are, so the sessions
 * they start stay whole): they are counted and reported once in opencode's log.
 */
const MAX_PENDING = 10_000;
const MAX_PENDING_MS = 30_000;

const DONE: Promise<void> = Promise.resolve();

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
  const started = clock();
  let dropped = 0;
  const keep = (call: Pending) => {
    if (!pending) return;
    if (call.time - started > MAX_PENDING_MS && pending.length > 0) {
      // Still loading after this long: what is kept is let go, so memory is bounded in time too.
      dropped += pending.length;
      pending.length = 0;
    }
    if (pending.length >= MAX_PENDING || call.time - started > MAX_PENDING_MS) dropped += 1;
    else pending.push(call);
  };
  const reportDropped = () => {
    if (dropped === 0) return;
    log.warn(
      `opencode-otel: ${dropped} hook call(s) made while the telemetry pipeline was loading were not kept (at most ${MAX_PENDING} are, for ${MAX_PENDING_MS / 1000} s); their telemetry is missing.`,
    );
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
      // Calls made while these replay join the queue behind them, so order holds.
      const queued = pending ?? [];
      for (let next = 0; next < queued.length; next++) {
        const call = queued[next];
        if (!call) continue;
        replaying = call.time;
        if (call.hook === "event") await instance.hooks.event?.(call.input);
        else await instance.hooks["chat.message"]?.(call.input, call.output);
      }
      pending = undefined;
      replaying = undefined;
      hooks = instance.hooks;
      reportDropped();
    })
    .catch((error: unknown) => {
      pending = undefined;
      reportDropped();
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

  // Once loaded, a call goes straight to the pipeline's hook (no promise of its own: this path
  // runs for every streamed chunk).
  return {
    event: (input) => {
      const event = hooks?.event;
      if (event) return event(input);
      keep({ hook: "event", time: clock(), input });
      return DONE;
    },
    "chat.message": (input, output) => {
      const chat = hooks?.["chat.message"];
      if (chat) return chat(input, output);
      keep({ hook: "chat.message", time: clock(), input, output });
      return DONE;
    },
    dispose,
  };
}

import { createTraceState, type SpanContext, TraceFlags } from "@opentelemetry/api";
import { adaptEvent } from "./adapter/event.js";
import { readHistory } from "./adapter/history.js";
import { adaptChatMessage } from "./adapter/hooks.js";
import { startBudgets } from "./budget/start.js";
import { parseConfig } from "./config/parse.js";
import type { Config, ParsedConfig } from "./config/types.js";
import { createLogsEmitter } from "./emit/logs.js";
import { createMetricsEmitter } from "./emit/metrics.js";
import { createProfile } from "./emit/profile.js";
import { createSpanEmitter } from "./emit/spans.js";
import type { Fact } from "./facts.js";
import { createDiagnosticLog, type DiagnosticLog, type LogSink, opencodeLogSink } from "./log.js";
import { SessionModel } from "./model/session-model.js";
import { createPrivacy } from "./privacy/privacy.js";
import { resolveIdentity } from "./sdk/identity.js";
import { flushOnExitSignal } from "./sdk/signals.js";
import {
  type ExporterOverrides,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from "./sdk/telemetry.js";

/** The hooks this plugin gives opencode (a subset of `@opencode-ai/plugin`'s `Hooks`). */
export interface OtelHooks {
  event?: (input: { event: unknown }) => Promise<void>;
  "chat.message"?: (input: unknown, output: unknown) => Promise<void>;
  dispose?: () => Promise<void>;
}

/** Everything the plugin reads from its surroundings, injectable for tests. */
export interface PluginEnvironment {
  /** Plugin options from opencode.json (`["opencode-otel", { ... }]`). */
  readonly options?: unknown;
  /** Environment variables; the factory passes `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `process.platform` and the home folder, for the default store path. */
  readonly platform?: string;
  readonly home?: string;
  /** opencode's SDK client: for writing to opencode's log and reading a resumed session's history. */
  readonly client?: unknown;
  /** opencode's working directory: the project, in the local store's reports. */
  readonly directory?: string;
  /** Where diagnostics go when not to opencode's log. */
  readonly logSink?: LogSink;
  /** Clock in epoch milliseconds. */
  readonly now?: () => number;
  /** Exporters to use instead of the configured ones. */
  readonly exporters?: ExporterOverrides;
  /** An already parsed config (its warnings already reported). */
  readonly parsed?: ParsedConfig;
  /** Flush on SIGTERM/SIGINT/SIGHUP (default true; off when a wrapper does it). */
  readonly exitSignals?: boolean;
  /** How long after a turn ends its telemetry is sent (default `TURN_FLUSH_DELAY_MS`). */
  readonly turnFlushDelayMs?: number;
  /** Builds the telemetry instead of `startTelemetry` (tests compare with the SDK's providers). */
  readonly telemetry?: (
    config: Config,
    log: DiagnosticLog,
    options: TelemetryOptions,
  ) => Promise<Telemetry>;
  /** The opencode executable (its package gives opencode's version); `process.execPath` by default. */
  readonly execPath?: string;
  /** How long a resumed session's history read may take before it is given up (ms). */
  readonly historyTimeoutMs?: number;
}

/**
 * A resumed session's history answers in about 0.1 s in `opencode run`, but 4 s (seen on
 * 1.18.33) in a server whose instance was just disposed, while it starts again. Nothing waits
 * for it, so the bound only ends a read that will never answer.
 */
const HISTORY_TIMEOUT_MS = 30_000;

/** A running plugin instance: its hooks plus handles for tests. */
export interface PluginInstance {
  readonly hooks: OtelHooks;
  readonly model: SessionModel | undefined;
  readonly config: Config;
}

/**
 * Builds one plugin instance: config → SDK → session model → emitters → guarded hooks. Nothing
 * here waits on the network, registers process listeners or touches OpenTelemetry globals.
 */
export async function createPluginInstance(
  environment: PluginEnvironment,
): Promise<PluginInstance> {
  const log = createDiagnosticLog(environment.logSink ?? opencodeLogSink(environment.client));
  const parsed = environment.parsed;
  const { config, warnings } = parsed ?? parseConfig(environment);
  if (!parsed) for (const warning of warnings) log.warn(`opencode-otel: ${warning}`);
  if (!config.enabled) return { hooks: {}, model: undefined, config };

  const now = environment.now ?? Date.now;
  // Identity reads a few small files; this runs while the SDK chunk loads, off the hook path.
  const identity = await resolveIdentity({
    config: config.identity,
    env: environment.env,
    resourceAttributes: config.resourceAttributes,
    directory: environment.directory,
    execPath: environment.execPath ?? process.execPath,
  });
  const titles = new SessionTitles();
  const telemetryOptions: TelemetryOptions = {
    ...(environment.exporters ? { exporters: environment.exporters } : {}),
    ...(environment.directory ? { directory: environment.directory } : {}),
    ...(environment.turnFlushDelayMs === undefined
      ? {}
      : { turnFlushDelayMs: environment.turnFlushDelayMs }),
    resource: identity.resource,
    sessionTitle: (sessionId) => titles.get(sessionId),
  };
  const telemetry = environment.telemetry
    ? await environment.telemetry(config, log, telemetryOptions)
    : await startTelemetry(config, log, telemetryOptions);
  const profile = createProfile(config.profile, config.metrics.prefix);
  const userId = identity.standard["user.id"];
  const privacy = createPrivacy(config.capture, environment.env);
  const model = new SessionModel({
    maxSessions: config.maxSessions,
    keepResponseText: privacy.allows("response"),
    onSubscriberError: (error) => reportFailure(log, "an emitter", error),
  });

  const spans = telemetry.tracer
    ? createSpanEmitter({
        tracer: telemetry.tracer,
        ids: telemetry.ids,
        privacy,
        prefix: config.spanPrefix,
        // The pseudonymous user on every span: Langfuse and Phoenix attribute traces by `user.id`.
        extraAttributes:
          typeof userId === "string"
            ? { "user.id": userId, ...config.spanAttributes }
            : config.spanAttributes,
        remoteParent: remoteParent(config),
        scope: config.traceScope,
      })
    : undefined;
  if (spans) model.subscribe(spans);
  if (telemetry.meter)
    model.subscribe(
      createMetricsEmitter({
        meter: telemetry.meter,
        profile,
        includeSessionId: config.identity.sessionId,
        standard: identity.standard,
        genAiLatest: config.metrics.genAiLatest,
      }),
    );
  const logs = telemetry.logger
    ? createLogsEmitter({
        logger: telemetry.logger,
        privacy,
        profile,
        standard: logAttributes(identity.standard),
        contextOf: (record) => spans?.contextOf(record),
      })
    : undefined;
  if (logs) model.subscribe(logs);
  // Spend limits: checked after LLM calls end, off the hook path (`src/budget/monitor.ts`).
  const budgets = await startBudgets({
    config,
    env: environment.env,
    directory: environment.directory,
    client: environment.client,
    log,
    now,
    spanIdsOf: (llm) => spans?.spanIdsOf(llm),
    // An alert leaves like a turn end: the turn that reached it has usually been flushed already.
    budgetEvent: logs
      ? (alert, llm) => {
          logs.budget(alert, llm);
          telemetry.turnEnded();
        }
      : undefined,
  });
  if (budgets) model.subscribe(budgets);
  if (config.local.enabled) model.subscribe(titles);
  // Delivery: a finished turn, a compaction or a deleted session leaves within the turn flush
  // delay, not at the next batch tick, so a crash loses at most that window (docs/DESIGN.md §7).
  model.subscribe({
    turnEnd: () => telemetry.turnEnded(),
    compactionEnd: () => telemetry.turnEnded(),
    sessionEnd: (session) => {
      if (session.endReason === "deleted") telemetry.turnEnded();
    },
  });

  const exitSignals = environment.exitSignals ?? true;
  const { hooks, push, isDisposed } = guardedHooks({
    model,
    telemetry,
    config,
    log,
    now,
    exitSignals,
    dispose: () => budgets?.close(),
  });
  // A session first seen without `session.created` was started by an earlier process: read its
  // history once, in the background, so turn numbers and totals continue. The hooks never wait
  // for it; the answer joins the fact queue like any host event, and without one (no client, an
  // error, the timeout) this process counts only what it sees.
  const timeoutMs = environment.historyTimeoutMs ?? HISTORY_TIMEOUT_MS;
  const client = environment.client;
  if (client)
    model.subscribe({
      sessionSeen(session) {
        if (!session.resumed) return;
        readHistory(client, session.id, { timeoutMs, now })
          .then((fact) => {
            if (fact && !isDisposed()) push(fact);
            else if (!fact)
              log.debug(`opencode-otel: no history for a resumed session; counting from here.`);
          })
          .catch(() => undefined);
      },
    });
  return { hooks, model, config };
}

interface Pipeline {
  readonly model: SessionModel;
  readonly telemetry: Telemetry;
  readonly config: Config;
  readonly log: DiagnosticLog;
  readonly now: () => number;
  readonly exitSignals: boolean;
  /** Stops what runs beside the pipeline (the budget monitor) before the final flush. */
  readonly dispose: () => Promise<void> | undefined;
}

interface Guarded {
  readonly hooks: OtelHooks;
  /** Queues a fact like a hook does (for facts that arrive later, e.g. a session's history). */
  readonly push: (fact: Fact) => void;
  readonly isDisposed: () => boolean;
}

function guardedHooks({
  model,
  telemetry,
  config,
  log,
  now,
  exitSignals,
  dispose,
}: Pipeline): Guarded {
  let disposed: Promise<void> | undefined;
  // The hook itself only reads the host's payload into facts (cheap, and it must happen now:
  // the payload is the host's and the clock is now). Everything else (the model, spans, logs,
  // metrics) runs in one batch on the next macrotask, off opencode's event dispatch, in arrival
  // order, so interleaving cannot reorder anything.
  const queue: Fact[] = [];
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    const batch = queue.splice(0, queue.length);
    for (const fact of batch) {
      try {
        model.apply(fact);
      } catch (error) {
        reportFailure(log, `a ${fact.kind} fact`, error);
      }
    }
  };
  const push = (fact: Fact) => {
    queue.push(fact);
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };
  const finalize = () => {
    // opencode run awaits dispose and then exits the process: this is the last moment.
    disposed ??= (async () => {
      unregister();
      try {
        drain();
        model.endAll("shutdown", now());
      } catch (error) {
        reportFailure(log, "dispose", error);
      }
      // The budget check of the last calls, bounded: its events go out with the final flush.
      await Promise.race([
        dispose()?.catch((error) => reportFailure(log, "budgets", error)),
        new Promise((resolve) => setTimeout(resolve, 1_000).unref?.()),
      ]);
      await telemetry.shutdown(config.shutdownTimeoutMs);
    })();
    return disposed;
  };
  const unregister = exitSignals ? flushOnExitSignal(finalize) : () => undefined;
  const hooks: OtelHooks = {
    // Plain functions returning one settled promise: the host may await the hook, but nothing
    // here is asynchronous, and this path runs for every streamed chunk.
    event: (input) => {
      if (disposed) return DONE;
      try {
        adaptEvent(input?.event, now(), push);
      } catch (error) {
        reportFailure(log, "an event", error);
      }
      return DONE;
    },
    "chat.message": (input, output) => {
      if (disposed) return DONE;
      try {
        adaptChatMessage(input, output, now(), push);
      } catch (error) {
        reportFailure(log, "chat.message", error);
      }
      return DONE;
    },
    dispose: finalize,
  };
  return { hooks, push, isDisposed: () => disposed !== undefined };
}

/**
 * Session titles for the local store's session spans (the span is exported after the session
 * ends, so the title is kept past its record): the latest few, a bounded map.
 */
class SessionTitles {
  private static readonly MAX = 1024;
  private readonly titles = new Map<string, string>();

  get(sessionId: string): string | undefined {
    return this.titles.get(sessionId);
  }

  sessionEnd(session: { readonly id: string; readonly title: string | undefined }): void {
    if (!session.title) return;
    this.titles.delete(session.id);
    this.titles.set(session.id, session.title);
    if (this.titles.size <= SessionTitles.MAX) return;
    const oldest = this.titles.keys().next().value;
    if (oldest !== undefined) this.titles.delete(oldest);
  }
}

const DONE: Promise<void> = Promise.resolve();

function reportFailure(log: DiagnosticLog, what: string, error: unknown): void {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message.split("\n", 1)[0]?.slice(0, 200) : "";
  log.error(`opencode-otel: handling ${what} failed (${name}: ${message}); telemetry continues.`);
}

function remoteParent(config: Config): SpanContext | undefined {
  const match = config.traceparent
    ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(config.traceparent)
    : null;
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: Number.parseInt(match[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(config.tracestate ? { traceState: createTraceState(config.tracestate) } : {}),
  };
}

/** Standard attributes as log attribute values (strings, numbers and booleans only). */
function logAttributes(
  attributes: Readonly<Record<string, unknown>>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes))
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[key] = value;
  return out;
}

import type { DiagnosticLog } from "../log.js";
import type { LlmRec } from "../model/records.js";
import type { Subscriber } from "../model/subscriber.js";
import type { SpendQueries } from "../store/spend.js";
import type { SpendReader } from "../store/spend-reader.js";
import type { AlertLedger } from "./alerts.js";
import { alertsOf, evaluateBudgets, limitApplies, type SpendFigures } from "./evaluate.js";
import { storeSpend } from "./store-spend.js";
import type { BudgetAlert, BudgetStatus, Budgets } from "./types.js";

/**
 * The plugin's budget watcher: a session-model subscriber that, after LLM calls end, measures
 * every limit that covers opencode's directory and reports each threshold reached (80% and 100%
 * by default) once, across processes.
 *
 * Where the spend comes from: the local store (every process's calls, written by the plugin's
 * `local` exporter or by `opencode-otel serve`), plus this process's calls the store does not
 * hold yet (a span reaches it a batch later; with no store at all, that is every call). A call
 * is told apart by its span's ids, checked in the same read snapshot as the sums, so nothing
 * counts twice and nothing is missed while a batch is in flight.
 *
 * It never blocks a hook: `llmEnd` records the call and schedules a check on a timer; the check
 * reads the store (a few index ranges, off the hook path) and claims alerts in the state folder.
 * Every failure is reported once in opencode's log and never reaches the host.
 */
export interface BudgetMonitorOptions {
  readonly budgets: Budgets;
  /** opencode's working directory: limits of other projects are left out. */
  readonly directory: string | undefined;
  /** The store to read; undefined: none (this process's calls only). */
  readonly openReader: (() => Promise<SpendReader>) | undefined;
  readonly ledger: AlertLedger;
  readonly log: DiagnosticLog;
  readonly now: () => number;
  /** The stored span of an LLM call (undefined: it will never be stored: no traces, sampled out). */
  readonly spanOf: (
    llm: LlmRec,
  ) => { readonly traceId: string; readonly spanId: string } | undefined;
  /**
   * New alerts, lowest threshold first, each with the call after which it was found (a session
   * limit's: that session's latest call).
   */
  readonly notify: (alerts: readonly { alert: BudgetAlert; llm: LlmRec }[]) => void;
  /** Wait after a call before checking, to take a burst of calls in one check (ms). */
  readonly delayMs?: number;
}

export interface BudgetMonitor extends Subscriber {
  /** Resolves when no check is scheduled or running. */
  idle(): Promise<void>;
  /**
   * Runs a scheduled check now (so a call made just before opencode exits still counts: its
   * `budget` event goes out with the final flush), then stops and closes the store.
   */
  close(): Promise<void>;
}

interface PendingCall {
  readonly key: string | undefined;
  readonly span: { readonly traceId: string; readonly spanId: string } | undefined;
  readonly startMs: number;
  readonly sessionId: string;
  readonly costUsd: number;
  readonly totalTokens: number;
}

/** No period reaches further back than a month. */
const KEEP_PENDING_MS = 35 * 86_400_000;
const MAX_PENDING = 10_000;
/** How soon a store that could not be opened is tried again. */
const REOPEN_MS = 30_000;

export function createBudgetMonitor(options: BudgetMonitorOptions): BudgetMonitor {
  const { budgets, directory, log, now } = options;
  const periodLimits = { ...budgets, limits: budgets.limits.filter((l) => l.period !== "session") };
  const sessionLimits = {
    ...budgets,
    limits: budgets.limits.filter((l) => l.period === "session"),
  };
  const pending: PendingCall[] = [];
  /** Sessions with calls since the last check, and their latest call. */
  const touched = new Map<string, LlmRec>();
  const shown = new Set<string>();
  let last: LlmRec | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let disposed = false;
  let reader: SpendReader | undefined;
  let readerTried = Number.NEGATIVE_INFINITY;

  const schedule = () => {
    if (disposed) return;
    if (running || timer) {
      again = true;
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      running = check()
        .catch((error) => warn("checking budgets failed", error))
        .finally(() => {
          running = undefined;
          if (again) {
            again = false;
            schedule();
          }
        });
    }, options.delayMs ?? 250);
    // Never keeps opencode alive on its own.
    timer.unref?.();
  };

  async function openedReader(): Promise<SpendReader | undefined> {
    if (reader || !options.openReader || now() - readerTried < REOPEN_MS) return reader;
    readerTried = now();
    try {
      reader = await options.openReader();
    } catch (error) {
      // No store yet is normal before the first batch is written.
      if (!(error instanceof Error && /no telemetry store/.test(error.message)))
        warn("budgets cannot read the local store; counting this process's calls only", error);
    }
    if (disposed) reader?.close();
    return disposed ? undefined : reader;
  }

  async function check(): Promise<void> {
    const llm = last;
    if (!llm || disposed) return;
    const at = now();
    const calls = new Map(touched);
    touched.clear();
    const sessions = [...calls.keys()];
    const store = await openedReader();
    if (disposed) return;
    const measure = (queries: SpendQueries | undefined) => {
      if (queries) settle(queries);
      return statusesAt(at, sessions, queries);
    };
    const statuses = store ? store.snapshot(measure) : measure(undefined);
    const fresh: { alert: BudgetAlert; llm: LlmRec }[] = [];
    for (const alert of alertsOf(statuses, budgets.warnAt)) {
      if (shown.has(alert.key)) continue;
      shown.add(alert.key);
      const session = alert.status.sessionId;
      if (await claim(alert)) fresh.push({ alert, llm: (session && calls.get(session)) || llm });
    }
    if (fresh.length > 0 && !disposed) options.notify(fresh);
  }

  /** Drops pending calls the store now holds, and calls too old for any period. */
  function settle(queries: SpendQueries): void {
    const spans = pending.flatMap((call) => (call.span ? [call.span] : []));
    const stored = queries.storedSpans(spans);
    const horizon = now() - KEEP_PENDING_MS;
    for (let i = pending.length - 1; i >= 0; i--) {
      const call = pending[i];
      if (call && ((call.key && stored.has(call.key)) || call.startMs < horizon))
        pending.splice(i, 1);
    }
  }

  function statusesAt(
    at: number,
    sessions: readonly string[],
    queries: SpendQueries | undefined,
  ): BudgetStatus[] {
    const base = queries ? storeSpend(queries, at) : undefined;
    const periodSpend = (window: { from: number; to: number; project: string | undefined }) =>
      plus(base?.periodSpend(window), (call) => {
        if (call.startMs < window.from || call.startMs >= window.to) return false;
        return window.project === undefined || limitApplies({ project: window.project }, directory);
      });
    const sessionSpend = (id: string) =>
      plus(base?.sessionSpend(id), (call) => call.sessionId === id);
    const statuses = evaluateBudgets(periodLimits, {
      at,
      directory,
      periodSpend,
      sessionOf: () => undefined,
      sessionSpend,
    });
    if (sessionLimits.limits.length > 0)
      for (const id of sessions)
        statuses.push(
          ...evaluateBudgets(sessionLimits, {
            at,
            directory,
            periodSpend,
            sessionOf: () => id,
            sessionSpend,
          }),
        );
    return statuses;
  }

  function plus(
    stored: SpendFigures | undefined,
    counts: (call: PendingCall) => boolean,
  ): SpendFigures {
    let costUsd = stored?.costUsd ?? 0;
    let totalTokens = stored?.totalTokens ?? 0;
    for (const call of pending)
      if (counts(call)) {
        costUsd += call.costUsd;
        totalTokens += call.totalTokens;
      }
    return { costUsd, totalTokens };
  }

  async function claim(alert: BudgetAlert): Promise<boolean> {
    try {
      return await options.ledger.claim(alert.key, {
        threshold: alert.threshold,
        spent: alert.status.spent,
        limit: alert.status.limit.limit,
        pid: process.pid,
        at: new Date(now()).toISOString(),
      });
    } catch (error) {
      // Without the shared record, this process still alerts once itself.
      warn("budget alerts cannot be recorded in the state folder", error);
      return true;
    }
  }

  function warn(what: string, error: unknown): void {
    const reason = error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
    log.warn(`opencode-otel: ${what} (${reason}).`);
  }

  return {
    llmEnd(llm) {
      if (disposed) return;
      const usage = llm.usage;
      const span = options.spanOf(llm);
      pending.push({
        key: span ? `${span.traceId}:${span.spanId}` : undefined,
        span,
        startMs: llm.startTime,
        sessionId: llm.session.id,
        costUsd: usage.cost,
        totalTokens:
          usage.input + usage.output + usage.reasoning + usage.cacheRead + usage.cacheWrite,
      });
      if (pending.length > MAX_PENDING) pending.shift();
      touched.set(llm.session.id, llm);
      last = llm;
      schedule();
    },
    async idle() {
      while (timer || running) await (running ?? new Promise((resolve) => setTimeout(resolve, 10)));
    },
    async close() {
      const due = timer !== undefined || again;
      if (timer) clearTimeout(timer);
      timer = undefined;
      again = false;
      await running;
      if (due && !disposed) await check().catch((error) => warn("checking budgets failed", error));
      disposed = true;
      reader?.close();
      reader = undefined;
    },
  };
}

import { homeFolder } from "../config/folders.js";
import type { Config } from "../config/types.js";
import type { DiagnosticLog } from "../log.js";
import type { LlmRec } from "../model/records.js";
import { AlertLedger } from "./alerts.js";
import { readBudgetsFile } from "./file.js";
import { alertText, limitTitle } from "./format.js";
import { type BudgetMonitor, createBudgetMonitor } from "./monitor.js";
import { defaultAlertsDir } from "./paths.js";
import { toastSender } from "./toast.js";
import type { BudgetAlert, Budgets } from "./types.js";

export interface BudgetStart {
  readonly config: Config;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** opencode's working directory. */
  readonly directory: string | undefined;
  /** opencode's SDK client (`tui.showToast`). */
  readonly client: unknown;
  readonly log: DiagnosticLog;
  readonly now: () => number;
  readonly spanIdsOf: (llm: LlmRec) => { traceId: string; spanId: string } | undefined;
  /** Writes the `budget` log event (absent when log events are off). */
  readonly budgetEvent: ((alert: BudgetAlert, llm: LlmRec) => void) | undefined;
}

/**
 * The plugin's budgets: the limits from the plugin option or the budgets file, and a monitor
 * that shows a toast and writes a `budget` log event when one is reached. Undefined when no
 * limit is set. Reads one small file while the plugin starts, never on a hook.
 */
export async function startBudgets(start: BudgetStart): Promise<BudgetMonitor | undefined> {
  const { config, log } = start;
  const budgets = await loadBudgets(config, start.env, log);
  if (!budgets || budgets.limits.length === 0) return undefined;
  const path = config.local.path;
  if (!config.local.enabled)
    log.info(
      `opencode-otel: budgets count this process's calls and what the local store at ${path} ` +
        "holds; turn `local` on so that every opencode process's calls count.",
    );
  const showToast = toastSender(start.client);
  const ledger = new AlertLedger(defaultAlertsDir(start.env));
  // A month's alerts are of no use once it is over.
  ledger.prune(62 * 86_400_000, start.now()).catch(() => undefined);
  return createBudgetMonitor({
    budgets,
    directory: start.directory,
    // No path: no store folder could be found (no absolute home); this process's calls only.
    openReader: path
      ? async () => {
          const { openSpendReader } = await import("../store/spend-reader.js");
          return openSpendReader(path);
        }
      : undefined,
    ledger,
    log,
    now: start.now,
    spanOf: start.spanIdsOf,
    notify(alerts) {
      for (const { alert, llm } of alerts) start.budgetEvent?.(alert, llm);
      if (!showToast) return;
      // One toast per limit: the highest threshold it reached in this check.
      const highest = new Map<string, BudgetAlert>();
      for (const { alert } of alerts) highest.set(alert.status.limit.id, alert);
      for (const alert of highest.values())
        showToast({
          title: `${limitTitle(alert.status)}: ${alert.threshold >= 1 ? "limit reached" : "nearing the limit"}`,
          message: alertText(alert),
          variant: alert.threshold >= 1 ? "error" : "warning",
          duration: 10_000,
        }).catch((error) => {
          const reason = error instanceof Error ? error.message : String(error);
          log.warn(`opencode-otel: the budget toast could not be shown (${reason}).`);
        });
    },
  });
}

async function loadBudgets(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  log: DiagnosticLog,
): Promise<Budgets | undefined> {
  if (config.budgets.inline) return config.budgets.inline;
  if (!config.budgets.file) return undefined;
  const parsed = await readBudgetsFile(config.budgets.file, homeFolder(env));
  for (const error of parsed?.errors ?? [])
    log.warn(`opencode-otel: ${error}; that limit is left out.`);
  return parsed?.budgets;
}

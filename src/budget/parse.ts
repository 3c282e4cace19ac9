import { describeValue } from "../config/describe.js";
import type { BudgetLimit, BudgetPeriod, Budgets, BudgetUnit } from "./types.js";

/**
 * Reads a budgets object (the `budgets.json` file, or the plugin option `budgets`):
 *
 * ```json
 * {
 *   "daily": { "usd": 10 }, "weekly": { "usd": 40 }, "monthly": { "tokens": 500000000 },
 *   "session": { "usd": 2 },
 *   "warnAt": 0.8, "timeZone": "local",
 *   "projects": { "~/work/client": { "daily": { "usd": 3 } } }
 * }
 * ```
 *
 * Pure. Every problem is one message naming its path (`projects["~/x"].daily.usd`), the value
 * and what was expected; the valid limits are kept, so one typo costs that limit only.
 */
export interface ParsedBudgets {
  readonly budgets: Budgets;
  readonly errors: readonly string[];
}

export interface ParseContext {
  /** Where the object came from, for messages: a file path, or "plugin option budgets". */
  readonly source: string;
  /** The home folder, for project keys written `~/...`. */
  readonly home: string | undefined;
}

const PERIODS: Readonly<Record<string, BudgetPeriod>> = {
  daily: "day",
  weekly: "week",
  monthly: "month",
  session: "session",
};
const UNITS: readonly BudgetUnit[] = ["usd", "tokens"];
const TOP_KEYS = [...Object.keys(PERIODS), "warnAt", "timeZone", "projects", "$schema"];

export const NO_BUDGETS: Budgets = Object.freeze({
  limits: Object.freeze([]),
  warnAt: 0.8,
  timeZone: "local",
});

type Obj = Readonly<Record<string, unknown>>;
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function parseBudgets(raw: unknown, context: ParseContext): ParsedBudgets {
  const errors: string[] = [];
  const fail = (path: string, value: unknown, expected: string) =>
    errors.push(`${context.source}: ${path} ${expected}, got ${describeValue(value)}`);
  if (!isObj(raw)) {
    fail("the budgets", raw, "must be an object");
    return { budgets: NO_BUDGETS, errors };
  }
  const limits: BudgetLimit[] = [];
  checkKeys(raw, "", TOP_KEYS, errors, context.source);
  readLimits(raw, "", undefined, limits, fail);

  let warnAt = NO_BUDGETS.warnAt;
  if (raw.warnAt !== undefined) {
    const value = raw.warnAt;
    if (typeof value === "number" && value > 0 && value < 1) warnAt = value;
    else fail("warnAt", value, "must be a number between 0 and 1 (0.8 warns at 80%)");
  }
  let timeZone = NO_BUDGETS.timeZone;
  if (raw.timeZone !== undefined) {
    if (raw.timeZone === "local" || raw.timeZone === "utc") timeZone = raw.timeZone;
    else fail("timeZone", raw.timeZone, 'must be "local" or "utc"');
  }
  if (raw.projects !== undefined) {
    if (!isObj(raw.projects)) fail("projects", raw.projects, "must be an object of directories");
    else
      for (const [key, value] of Object.entries(raw.projects)) {
        const path = `projects[${JSON.stringify(key)}]`;
        const project = projectDirectory(key, context.home);
        if (!project) {
          fail(path, key, "must be an absolute directory (or start with ~/)");
          continue;
        }
        if (!isObj(value)) {
          fail(path, value, "must be an object of limits");
          continue;
        }
        checkKeys(value, `${path}.`, Object.keys(PERIODS), errors, context.source);
        readLimits(value, `${path}.`, project, limits, fail);
      }
  }
  return { budgets: { limits, warnAt, timeZone }, errors };
}

function readLimits(
  object: Obj,
  prefix: string,
  project: string | undefined,
  limits: BudgetLimit[],
  fail: (path: string, value: unknown, expected: string) => void,
): void {
  for (const [key, period] of Object.entries(PERIODS)) {
    const value = object[key];
    if (value === undefined) continue;
    const path = `${prefix}${key}`;
    if (!isObj(value)) {
      fail(path, value, 'must be an object such as { "usd": 10 } or { "tokens": 5000000 }');
      continue;
    }
    for (const [unit, limit] of Object.entries(value)) {
      if (!UNITS.some((known) => known === unit)) {
        fail(`${path}.${unit}`, limit, 'is not a unit: use "usd" or "tokens"');
        continue;
      }
      if (typeof limit !== "number" || !Number.isFinite(limit) || limit <= 0) {
        fail(`${path}.${unit}`, limit, "must be a number above 0");
        continue;
      }
      const scope = project ? `${project}: ` : "";
      limits.push({
        id: `${scope}${key}.${unit}`,
        period,
        unit: unit === "usd" ? "usd" : "tokens",
        limit,
        project,
      });
    }
  }
}

function checkKeys(
  object: Obj,
  prefix: string,
  known: readonly string[],
  errors: string[],
  source: string,
): void {
  for (const key of Object.keys(object))
    if (!known.includes(key))
      errors.push(
        `${source}: unknown key ${prefix}${key} (expected ${known.filter((k) => k !== "$schema").join(", ")})`,
      );
}

/** An absolute directory without a trailing slash; `~/x` under `home`. Undefined otherwise. */
function projectDirectory(key: string, home: string | undefined): string | undefined {
  const expanded = key === "~" || key.startsWith("~/") ? (home ? home + key.slice(1) : "") : key;
  if (!expanded.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(expanded)) return undefined;
  return expanded.length > 1 ? expanded.replace(/[\\/]+$/, "") : expanded;
}

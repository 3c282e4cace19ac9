/**
 * One frame of `report --live` as lines of text: where spend stands, how fast it goes, where it
 * is heading, the budgets and the sessions at work. Pure, so tests render frames as data and the
 * README's captured frame is this function's output.
 */
import { formatAmount, formatPercent } from "../../../budget/format.js";
import type { BudgetStatus } from "../../../budget/types.js";
import { type ActiveSession, NO_SPEND, type Spend } from "../../../store/spend.js";
import type { SpendSnapshot } from "../../spend/snapshot.js";
import { timeLeft } from "../../statusline/format.js";
import { formatCount, formatMoney, formatShare, formatTokens } from "../format.js";
import { type Column, renderTable, truncate } from "../table.js";

export interface LiveFrame {
  readonly snapshot: SpendSnapshot;
  /** When today ends (the next local or UTC midnight). */
  readonly dayEnd: number;
  /** Sessions with calls in the last 15 minutes, with their whole cost so far. */
  readonly sessions: readonly (ActiveSession & { readonly total: Spend })[];
  readonly budgets: readonly BudgetStatus[];
  /** Seconds between frames, for the header. */
  readonly intervalS: number;
}

/** Where spend will be at `end` if it keeps going at the last 15 minutes' rate. */
export function projection(spentUsd: number, usdPerHour: number, from: number, end: number) {
  return spentUsd + (usdPerHour * Math.max(0, end - from)) / 3_600_000;
}

const pad = (n: number) => String(n).padStart(2, "0");
const clock = (ms: number) => {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const stamp = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}:${pad(d.getSeconds())}`;
};

interface WindowRow {
  readonly name: string;
  readonly spend: Spend;
  readonly note: string;
}

const cacheHit = (s: Spend) =>
  formatShare(s.cacheReadShare, s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens > 0);

const WINDOW_COLUMNS: readonly Column<WindowRow>[] = [
  { header: "", align: "left", priority: -1, cell: (r) => r.name },
  { header: "Cost", align: "right", priority: 0, cell: (r) => formatMoney(r.spend.costUsd) },
  { header: "Tokens", align: "right", priority: 1, cell: (r) => formatTokens(r.spend.totalTokens) },
  { header: "Calls", align: "right", priority: 3, cell: (r) => formatCount(r.spend.llmCalls) },
  { header: "Cache hit", align: "right", priority: 2, cell: (r) => cacheHit(r.spend) },
  { header: "", align: "left", priority: 4, cell: (r) => r.note },
];

type SessionRow = LiveFrame["sessions"][number] & { readonly at: number };

const SESSION_COLUMNS: readonly Column<SessionRow>[] = [
  { header: "Session", align: "left", priority: -1, cell: (r) => r.sessionId },
  {
    header: "Project",
    align: "left",
    priority: 3,
    cell: (r) => truncate(r.project?.slice(r.project.lastIndexOf("/") + 1) ?? "–", 24),
  },
  { header: "Cost", align: "right", priority: 0, cell: (r) => formatMoney(r.total.costUsd) },
  { header: "Tokens", align: "right", priority: 2, cell: (r) => formatTokens(r.total.totalTokens) },
  { header: "Last 15m", align: "right", priority: 1, cell: (r) => formatMoney(r.window.costUsd) },
  { header: "Last call", align: "right", priority: 4, cell: (r) => ago(r.at - r.lastMs) },
];

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s ago` : `${Math.floor(seconds / 60)}m ago`;
}

export function renderFrame(frame: LiveFrame, width: number | undefined): string[] {
  const s = frame.snapshot;
  const block = s.block;
  const header = `opencode-otel · live spend · ${stamp(s.at)} · every ${frame.intervalS}s · Ctrl-C to quit`;
  const windows: WindowRow[] = [
    { name: "Today", spend: s.today.spend, note: "" },
    block
      ? {
          name: "5-hour block",
          spend: block.spend,
          note: `${clock(block.start)}–${clock(block.end)}, ${timeLeft(block.end - s.at)} left`,
        }
      : { name: "5-hour block", spend: NO_SPEND, note: "none running" },
    { name: "Last 15 min", spend: s.recent.spend, note: "" },
  ];
  const table = renderTable({ columns: WINDOW_COLUMNS, rows: windows, width }).lines;
  const rate = `${formatMoney(s.burn.usdPerHour)}/h · ${formatTokens(s.burn.tokensPerMinute)} tokens/min (last 15 min)`;
  const today = projection(s.today.spend.costUsd, s.burn.usdPerHour, s.at, frame.dayEnd);
  const projected = [
    `${formatMoney(today)} today by midnight`,
    block
      ? `${formatMoney(projection(block.spend.costUsd, s.burn.usdPerHour, s.at, block.end))} in this block by ${clock(block.end)}`
      : "",
  ].filter(Boolean);
  const lines = [
    header,
    "",
    ...table,
    "",
    `Burn rate   ${rate}`,
    `Projected   ${projected.join(" · ")}`,
  ];
  if (frame.budgets.length > 0) lines.push("", ...budgetLines(frame.budgets));
  lines.push("");
  if (frame.sessions.length === 0) lines.push("No session had a call in the last 15 minutes.");
  else {
    lines.push("Sessions at work (a call in the last 15 minutes)");
    const rows = frame.sessions.map((session) => ({ ...session, at: s.at }));
    lines.push(...renderTable({ columns: SESSION_COLUMNS, rows, width }).lines);
  }
  return width === undefined ? lines : lines.map((line) => truncate(line, width));
}

function budgetLines(statuses: readonly BudgetStatus[]): string[] {
  return statuses.map((status, index) => {
    const { limit } = status;
    const mark =
      status.state === "exceeded" ? "  OVER" : status.state === "warning" ? "  near" : "";
    const line =
      `${limit.id}: ${formatAmount(limit.unit, status.spent)} of ` +
      `${formatAmount(limit.unit, limit.limit)} (${formatPercent(status.share)})${mark}`;
    return `${index === 0 ? "Budgets     " : "            "}${line}`;
  });
}

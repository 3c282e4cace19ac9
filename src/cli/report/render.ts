/** A `Report` as terminal text: a title line, the table with its totals row, and notes. */
import type { Report, ReportQuery } from "../../store/index.js";
import { reportColumns } from "./columns.js";
import { renderTable } from "./table.js";

const GROUP_TITLES: Record<ReportQuery["group"], string> = {
  day: "per day",
  week: "per week (from Monday)",
  month: "per month",
  block: "per 5-hour block",
  session: "per session",
  model: "per model",
  agent: "per agent",
  tool: "per tool",
  project: "per project",
};

function isoDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "Usage per model, since 2025-01-01, until 2025-02-01 (exclusive), project ~/code/app". */
export function reportTitle(query: ReportQuery): string {
  const parts = [`Usage ${GROUP_TITLES[query.group]}${query.breakdown ? " and model" : ""}`];
  if (query.since !== undefined) parts.push(`since ${isoDay(query.since)}`);
  if (query.until !== undefined) parts.push(`before ${isoDay(query.until)}`);
  if (query.project) parts.push(`project matching "${query.project}"`);
  return parts.join(", ");
}

/** Word-wraps `text` to `width` (no wrapping when undefined). */
export function wrap(text: string, width: number | undefined): string[] {
  if (width === undefined) return [text];
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

export function renderReport(report: Report, width: number | undefined): string {
  const title = reportTitle(report.query);
  if (report.rows.length === 0) return `${title}\n\nNo telemetry in this range.\n`;
  // A breakdown's rows go under their day (or week, month, block), indented.
  const rows = report.rows.flatMap((row) => [
    row,
    ...(row.breakdown ?? []).map((model) => ({ ...model, key: `  ${model.key}` })),
  ]);
  const table = renderTable({
    columns: reportColumns(report.query.group, report.total, rows),
    rows,
    total: { ...report.total, key: "Total" },
    width,
  });
  const notes = table.hidden.length
    ? wrap(
        `(hidden to fit the terminal: ${table.hidden.join(", ")}; widen it or use --json)`,
        width,
      )
    : [];
  return [title, "", ...table.lines, ...notes, ""].join("\n");
}

/**
 * A plain-text table that fits a width: columns are dropped by priority (least important first)
 * until the rest fit, then the first (key) column is cut with "…". Pure, so tests render tables
 * as data.
 */

export interface Column<R> {
  readonly header: string;
  readonly align: "left" | "right";
  /** Lower numbers are kept longer; the key column is never dropped. */
  readonly priority: number;
  readonly cell: (row: R) => string;
  /**
   * The key column's width below which data columns are dropped instead (default 8): a date cut
   * to "2026-03…" says nothing.
   */
  readonly minWidth?: number;
}

export interface TableInput<R> {
  readonly columns: readonly Column<R>[];
  readonly rows: readonly R[];
  /** Rendered under a rule, like a spreadsheet's totals row. */
  readonly total?: R;
  /** Terminal width; undefined (not a terminal) renders every column at full width. */
  readonly width: number | undefined;
}

export interface RenderedTable {
  readonly lines: readonly string[];
  /** Headers of the columns that did not fit. */
  readonly hidden: readonly string[];
}

const GAP = "  ";
/** The key column is never cut below this, even if the table then overflows. */
const MIN_KEY = 8;

/** Cuts `text` to `width` characters, ending in "…" when cut. */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

const SPACES: string[] = [""];

function spaces(count: number): string {
  if (count <= 0) return "";
  let known = SPACES[count];
  if (known === undefined) {
    known = " ".repeat(count);
    SPACES[count] = known;
  }
  return known;
}

export function renderTable<R>(input: TableInput<R>): RenderedTable {
  const all = input.rows.concat(input.total ? [input.total] : []);
  let columns = input.columns.map((column) => {
    const cells = all.map(column.cell);
    let width = column.header.length;
    for (const cell of cells) if (cell.length > width) width = cell.length;
    return { column, cells, width };
  });
  const hidden: string[] = [];
  const tableWidth = () =>
    columns.reduce((sum, c) => sum + c.width, 0) + GAP.length * (columns.length - 1);
  const limit = input.width;
  if (limit !== undefined) {
    const [key, ...rest] = columns;
    // Drop the least important data column while the table (with the key at its minimum) is
    // too wide; then give the key whatever is left.
    const byPriority = [...rest].sort((a, b) => b.column.priority - a.column.priority);
    const keyMin = () => Math.min(key?.width ?? 0, key?.column.minWidth ?? MIN_KEY);
    while (byPriority.length && tableWidth() - (key?.width ?? 0) + keyMin() > limit) {
      const dropped = byPriority.shift();
      if (!dropped) break;
      hidden.push(dropped.column.header);
      columns = columns.filter((c) => c !== dropped);
    }
    if (key && tableWidth() > limit)
      key.width = Math.max(keyMin(), key.width - (tableWidth() - limit));
  }
  // One string per line, built by concatenation with cached runs of spaces: a report by session
  // renders hundreds of thousands of cells, and a padStart, a map and a join per line cost
  // several times more.
  const last = columns.length - 1;
  const line = (cell: (c: (typeof columns)[number]) => string) => {
    let out = "";
    for (let i = 0; i <= last; i++) {
      const c = columns[i];
      if (!c) continue;
      const text = truncate(cell(c), c.width);
      const pad = spaces(c.width - text.length);
      if (c.column.align === "right") out += i === 0 ? pad + text : GAP + pad + text;
      else if (i === last) out += i === 0 ? text : GAP + text;
      else out += i === 0 ? text + pad : GAP + text + pad;
    }
    return out.trimEnd();
  };
  const rule = "─".repeat(tableWidth());
  const rowLine = (index: number) => line((c) => c.cells[index] ?? "");
  const lines = [line((c) => c.column.header), rule];
  for (let i = 0; i < input.rows.length; i++) lines.push(rowLine(i));
  if (input.total) lines.push(rule, rowLine(input.rows.length));
  return { lines, hidden };
}

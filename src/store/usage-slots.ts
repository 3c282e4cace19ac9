import type { ChangeColumns, SpanColumns } from "./columns.js";
import type { Database, SqlValue, Statement } from "./db.js";
import { int, real } from "./read-row.js";

/**
 * `usage_slots`: what every quarter of an hour adds up to, per session and project, kept up to
 * date by every write. Reports by time and by session read these rows (tens of thousands for a
 * year) instead of every span (a million); only the parts of a range that cut a quarter hour
 * are read from the spans. A quarter hour, because every time zone's offset from UTC is a whole
 * number of quarter hours, so local days, weeks and months begin on a slot boundary.
 *
 * Each row holds sums (cost, tokens, calls, errors, retries, turns, tool calls and successes,
 * lines, commits, pull requests) and its tool calls' durations, as little-endian float64 bytes,
 * since percentiles cannot be added up.
 */

export const SLOT_NS = 900_000_000_000n;
export const SLOT_MS = 900_000;

/** The slot holding `ns` (floor division, for times before 1970 too). */
export function slotOf(ns: bigint): number {
  return Number(ns >= 0n ? ns / SLOT_NS : (ns + 1n) / SLOT_NS - 1n);
}

/** The same in SQL, for a column of nanoseconds. */
const SLOT_SQL = (column: string) =>
  `CASE WHEN ${column} >= 0 THEN ${column} / ${SLOT_NS} ELSE (${column} + 1) / ${SLOT_NS} - 1 END`;

export const USAGE_SLOTS_TABLE = `
CREATE TABLE usage_slots (
  slot INTEGER NOT NULL,
  session_ref INTEGER NOT NULL,
  project_ref INTEGER NOT NULL,
  cost REAL NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  llm_calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  turns INTEGER NOT NULL,
  tool_calls INTEGER NOT NULL,
  tool_ok INTEGER NOT NULL,
  tool_durations BLOB,
  lines_added REAL NOT NULL,
  lines_removed REAL NOT NULL,
  commits INTEGER NOT NULL,
  pull_requests INTEGER NOT NULL,
  PRIMARY KEY (slot, session_ref, project_ref)
) WITHOUT ROWID;
`;

/**
 * The columns in table order. Rows without a session or a project use 0 (interned names start
 * at 1): a primary key treats NULLs as distinct, so they could not be updated in place.
 */
const COLUMNS = [
  "slot",
  "session_ref",
  "project_ref",
  "cost",
  "input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "llm_calls",
  "errors",
  "retries",
  "turns",
  "tool_calls",
  "tool_ok",
  "tool_durations",
  "lines_added",
  "lines_removed",
  "commits",
  "pull_requests",
] as const;

type Column = (typeof COLUMNS)[number];

/** A column's position in the rows `eachSlot` hands out. */
export const slotColumn = (name: Column): number => COLUMNS.indexOf(name);

/** One slot's figures for one session and project (sums, and the durations as numbers). */
interface Slot {
  readonly key: readonly [number, number, number];
  readonly sums: number[];
  readonly durations: number[];
}

const SUMS: readonly Column[] = COLUMNS.filter((name) => name !== "tool_durations").slice(3);
const at = (name: Column) => SUMS.indexOf(name);
const S = {
  cost: at("cost"),
  input: at("input_tokens"),
  output: at("output_tokens"),
  reasoning: at("reasoning_tokens"),
  cacheRead: at("cache_read_tokens"),
  cacheWrite: at("cache_write_tokens"),
  llmCalls: at("llm_calls"),
  errors: at("errors"),
  retries: at("retries"),
  turns: at("turns"),
  toolCalls: at("tool_calls"),
  toolOk: at("tool_ok"),
  added: at("lines_added"),
  removed: at("lines_removed"),
  commits: at("commits"),
  pullRequests: at("pull_requests"),
};

/** Where an LLM span's cost, tokens, error (0 or 1) and retries go, in that order. */
const LLM_SUMS = [
  S.cost,
  S.input,
  S.output,
  S.reasoning,
  S.cacheRead,
  S.cacheWrite,
  S.errors,
  S.retries,
];

/**
 * Collects what a write transaction adds, then folds it into the stored slots (`flush`, inside
 * the same transaction, so a rolled-back write adds nothing). Only rows that were really
 * inserted are to be added: a resent span or record must not count twice.
 */
export class SlotWriter {
  private pending = new Map<string, Slot>();
  private last: Slot | undefined;
  private readonly upsert: Statement;

  constructor(db: Database) {
    // Sums add up in place; durations are appended to the stored bytes (`||` joins blobs byte
    // for byte; the cast keeps the result a blob).
    const add = SUMS.map((name) => `${name} = ${name} + excluded.${name}`);
    this.upsert = db.prepare(
      `INSERT INTO usage_slots (${COLUMNS.join(", ")})
       VALUES (${COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (slot, session_ref, project_ref) DO UPDATE SET ${add.join(", ")},
         tool_durations = CASE
           WHEN excluded.tool_durations IS NULL THEN tool_durations
           WHEN tool_durations IS NULL THEN excluded.tool_durations
           ELSE CAST(tool_durations || excluded.tool_durations AS BLOB) END`,
    );
  }

  /** An inserted LLM, turn or tool span (other kinds add nothing). */
  span(
    startNs: bigint,
    statusCode: number,
    c: SpanColumns,
    session: number | null,
    project: number | null,
  ): void {
    if (c.category === "llm")
      this.llm(slotOf(startNs), session, project, [
        c.cost,
        c.inputTokens,
        c.outputTokens,
        c.reasoningTokens,
        c.cacheReadTokens,
        c.cacheWriteTokens,
        statusCode === 2 ? 1 : 0,
        c.retries,
      ]);
    else if (c.category === "turn")
      bump(this.slot(slotOf(startNs), session, project).sums, S.turns, 1);
    else if (c.category === "tool")
      this.tool(slotOf(startNs), session, project, c.durationMs, c.toolSuccess === 1);
  }

  /** An inserted `lines_changed`, `commit` or `pull_request` event. */
  change(timeNs: bigint, c: ChangeColumns, session: number | null, project: number | null): void {
    this.changes(slotOf(timeNs), session, project, c.added, c.removed, c.commits, c.pullRequests);
  }

  /** Adds everything collected to the stored slots; call inside the write transaction. */
  flush(): void {
    for (const { key, sums, durations } of this.pending.values()) {
      const blob = durationsBlob(durations);
      this.upsert.run(...key, ...sums.slice(0, S.toolOk + 1), blob, ...sums.slice(S.added));
    }
    this.reset();
  }

  /** Forgets what was collected (the transaction it belonged to was rolled back). */
  reset(): void {
    this.pending = new Map();
    this.last = undefined;
  }

  private llm(
    slot: number,
    session: number | null,
    project: number | null,
    values: readonly number[],
  ): void {
    const s = this.slot(slot, session, project).sums;
    for (let i = 0; i < LLM_SUMS.length; i++) bump(s, LLM_SUMS[i] ?? 0, values[i]);
    bump(s, S.llmCalls, 1);
  }

  private tool(
    slot: number,
    session: number | null,
    project: number | null,
    durationMs: number,
    ok: boolean,
  ) {
    const entry = this.slot(slot, session, project);
    bump(entry.sums, S.toolCalls, 1);
    if (ok) bump(entry.sums, S.toolOk, 1);
    entry.durations.push(durationMs);
  }

  private changes(
    slot: number,
    session: number | null,
    project: number | null,
    ...[added, removed, commits, pullRequests]: number[]
  ): void {
    const s = this.slot(slot, session, project).sums;
    bump(s, S.added, added);
    bump(s, S.removed, removed);
    bump(s, S.commits, commits);
    bump(s, S.pullRequests, pullRequests);
  }

  private slot(slot: number, session: number | null, project: number | null): Slot {
    const [s, p] = [session ?? 0, project ?? 0];
    // Spans come in runs of one session's quarter hour: the last one is nearly always it.
    const last = this.last;
    if (last && last.key[0] === slot && last.key[1] === s && last.key[2] === p) return last;
    const id = `${slot}:${s}:${p}`;
    let found = this.pending.get(id);
    if (!found) {
      found = { key: [slot, s, p], sums: SUMS.map(() => 0), durations: [] };
      this.pending.set(id, found);
    }
    this.last = found;
    return found;
  }

  /**
   * Recomputes the stored slots before slot `before` (every slot without it) from the spans and
   * change events: the migration that creates the table fills it so, and retention, which
   * deletes spans by their end, corrects the slots it cut through.
   */
  static rebuild(db: Database, before?: number): void {
    const bound = before === undefined ? [] : [BigInt(before) * SLOT_NS];
    db.prepare(`DELETE FROM usage_slots ${before === undefined ? "" : "WHERE slot < ?"}`).run(
      ...(before === undefined ? [] : [before]),
    );
    const writer = new SlotWriter(db);
    const where = before === undefined ? "" : "AND start_ns < ?";
    db.prepare(
      `SELECT ${SLOT_SQL("start_ns")}, session_ref, project_ref, category, cost, input_tokens,
         output_tokens, reasoning_tokens, cache_read_tokens, cache_write_tokens,
         status_code = 2, retries, duration_ms, tool_success = 1
       FROM spans WHERE category IN ('llm', 'turn', 'tool') ${where}`,
    ).eachValues(
      (v) => {
        const [slot, session, project, category] = [int(v[0]), ref(v[1]), ref(v[2]), v[3]];
        if (category === "llm") writer.llm(slot, session, project, v.slice(4, 12).map(real));
        else if (category === "turn") bump(writer.slot(slot, session, project).sums, S.turns, 1);
        else writer.tool(slot, session, project, real(v[12]), int(v[13]) === 1);
      },
      ...bound,
    );
    db.prepare(
      `SELECT ${SLOT_SQL("time_ns")}, session_ref, project_ref, added, removed, commits,
         pull_requests
       FROM code_changes ${before === undefined ? "" : "WHERE time_ns < ?"}`,
    ).eachValues(
      (v) => {
        writer.changes(int(v[0]), ref(v[1]), ref(v[2]), ...v.slice(3, 7).map(real));
      },
      ...bound,
    );
    writer.flush();
  }
}

/**
 * A store at schema v3 opened read-only has no `usage_slots`: a temporary one (this connection
 * only; SQLite writes it outside the file) is filled from the spans and change events.
 */
export function countSlotsInMemory(db: Database): void {
  db.exec(USAGE_SLOTS_TABLE.replace("CREATE TABLE usage_slots", "CREATE TEMP TABLE usage_slots"));
  SlotWriter.rebuild(db);
}

const ref = (value: unknown): number | null => (value === null ? null : int(value));

function bump(sums: number[], index: number, value: number | undefined): void {
  sums[index] = (sums[index] ?? 0) + (value ?? 0);
}

/**
 * The stored slots in `[from, to)`, in key order (slot, session, project), as arrays indexed by
 * `SLOT`; `project` keeps only the projects whose directory contains it.
 */
export function eachSlot(
  db: Database,
  from: number,
  to: number,
  project: string | undefined,
  visit: (row: readonly unknown[]) => void,
): void {
  const filter = project
    ? "AND project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)"
    : "";
  const params: SqlValue[] = project ? [from, to, project] : [from, to];
  db.prepare(
    `SELECT ${COLUMNS.join(", ")} FROM usage_slots WHERE slot >= ? AND slot < ? ${filter}`,
  ).eachValues(visit, ...params);
}

// Durations are stored little-endian; every platform Bun runs on is, and so are all but one
// (s390x) of Node's, for which the bytes are swapped one value at a time.
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** `durations` as stored bytes; null when there are none. */
function durationsBlob(durations: readonly number[]): Uint8Array | null {
  if (durations.length === 0) return null;
  const buffer = new ArrayBuffer(durations.length * 8);
  new Float64Array(buffer).set(durations);
  const bytes = new Uint8Array(buffer);
  return LITTLE_ENDIAN ? bytes : swapped(bytes);
}

/**
 * Copies the durations held in `blob` into the float64 array whose bytes are `target`, at value
 * `offset`; returns the next offset.
 */
export function readDurations(blob: Uint8Array, target: Uint8Array, offset: number): number {
  // Stored blobs are whole values (`Usage` refuses a damaged one before this).
  const count = blob.byteLength / 8;
  target.set(blob, offset * 8);
  if (!LITTLE_ENDIAN) {
    const part = target.subarray(offset * 8, (offset + count) * 8);
    part.set(swapped(part));
  }
  return offset + count;
}

/** The durations a stored blob holds (0 for anything that is not one). */
export function durationCount(blob: unknown): number {
  return blob instanceof Uint8Array ? Math.floor(blob.byteLength / 8) : 0;
}

function swapped(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += 8)
    for (let j = 0; j < 8; j++) out[i + j] = bytes[i + 7 - j] ?? 0;
  return out;
}

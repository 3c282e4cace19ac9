import { StoreError } from "./errors.js";
import { LlmSums } from "./llm-sums.js";
import { int, real } from "./read-row.js";
import type { Changes } from "./report-queries.js";
import { type Figures, ranks } from "./report-row.js";
import { durationCount, readDurations, slotColumn } from "./usage-slots.js";

const C = {
  slot: slotColumn("slot"),
  session: slotColumn("session_ref"),
  cost: slotColumn("cost"),
  input: slotColumn("input_tokens"),
  output: slotColumn("output_tokens"),
  reasoning: slotColumn("reasoning_tokens"),
  cacheRead: slotColumn("cache_read_tokens"),
  cacheWrite: slotColumn("cache_write_tokens"),
  llmCalls: slotColumn("llm_calls"),
  errors: slotColumn("errors"),
  retries: slotColumn("retries"),
  turns: slotColumn("turns"),
  toolCalls: slotColumn("tool_calls"),
  toolOk: slotColumn("tool_ok"),
  durations: slotColumn("tool_durations"),
  added: slotColumn("lines_added"),
  removed: slotColumn("lines_removed"),
  commits: slotColumn("commits"),
  pullRequests: slotColumn("pull_requests"),
};

/**
 * One report row's figures (or the total's), added up from usage slots and from spans read
 * directly where a range cuts a slot. The order of additions is the caller's: the total adds
 * the same things in the same order whatever the grouping, so its float sums are the same.
 */
export class Usage {
  readonly llm = new LlmSums();
  turns = 0;
  /**
   * Sessions with a turn here (their count is the row's sessions): the first one alone, a set
   * only once a second one comes (a session's own row never needs one).
   */
  private firstSession = 0;
  private sessions: Set<number> | undefined;
  toolCalls = 0;
  toolOk = 0;
  added = 0;
  removed = 0;
  commits = 0;
  pullRequests = 0;
  private blobs: Uint8Array[] | undefined;
  private stored = 0;
  private loose: number[] | undefined;

  /** A row of `usage_slots` (as `eachSlot` hands it out). */
  addSlot(row: readonly unknown[]): void {
    const llm = this.llm;
    llm.cost += real(row[C.cost]);
    llm.input += real(row[C.input]);
    llm.output += real(row[C.output]);
    llm.reasoning += real(row[C.reasoning]);
    llm.cacheRead += real(row[C.cacheRead]);
    llm.cacheWrite += real(row[C.cacheWrite]);
    llm.calls += int(row[C.llmCalls]);
    llm.errors += int(row[C.errors]);
    llm.retries += real(row[C.retries]);
    const turns = int(row[C.turns]);
    this.turns += turns;
    const session = int(row[C.session]);
    if (turns > 0 && session > 0) this.session(session);
    const calls = int(row[C.toolCalls]);
    this.toolCalls += calls;
    this.toolOk += int(row[C.toolOk]);
    const blob = row[C.durations];
    // Every write adds a call and its duration together: anything else is damage, and
    // percentiles from part of the durations would be wrong without a word.
    if (durationCount(blob) !== calls || (blob instanceof Uint8Array && blob.byteLength % 8))
      throw new StoreError(
        "corrupt",
        `usage_slots holds ${durationCount(blob)} tool durations for ${calls} tool calls ` +
          `(slot ${int(row[C.slot])}, session ${int(row[C.session])})`,
      );
    if (blob instanceof Uint8Array) {
      this.blobs ??= [];
      this.blobs.push(blob);
      this.stored += calls;
    }
    this.added += real(row[C.added]);
    this.removed += real(row[C.removed]);
    this.commits += int(row[C.commits]);
    this.pullRequests += int(row[C.pullRequests]);
  }

  /** `turns` of `session`; the session counts when it had one (or, with `always`, anyway). */
  addTurns(turns: number, session: number | null, always = false): void {
    this.turns += turns;
    if ((turns > 0 || always) && session !== null) this.session(session);
  }

  addTool(duration: number, ok: boolean): void {
    this.toolCalls += 1;
    if (ok) this.toolOk += 1;
    this.loose ??= [];
    this.loose.push(duration);
  }

  addChanges(changes: Changes | undefined): void {
    if (!changes) return;
    this.added += changes.added;
    this.removed += changes.removed;
    this.commits += changes.commits;
    this.pullRequests += changes.pullRequests;
  }

  private session(ref: number): void {
    if (this.firstSession === 0) this.firstSession = ref;
    else if (ref !== this.firstSession) {
      this.sessions ??= new Set([this.firstSession]);
      this.sessions.add(ref);
    }
  }

  /** True when nothing at all was added (a time bucket with no use is left out). */
  get empty(): boolean {
    return (
      this.llm.calls + this.toolCalls + this.turns === 0 &&
      this.added + this.removed + this.commits + this.pullRequests === 0
    );
  }

  /**
   * The figures `reportRow` takes. The durations are only put in order where p50 and p95 are
   * read (a selection, linear, instead of a sort), in a buffer shared by every `figures` call:
   * `reportRow` reads them at once (a report by session makes 14,464 rows, and a buffer each
   * cost more than the selections).
   */
  figures(): Figures {
    const count = this.stored + (this.loose?.length ?? 0);
    const { values, bytes } = scratch(count);
    const all = values.subarray(0, count);
    let offset = 0;
    for (const blob of this.blobs ?? []) offset = readDurations(blob, bytes, offset);
    if (this.loose) all.set(this.loose, offset);
    return {
      llm: this.llm.row(),
      tool: { calls: this.toolCalls, ok: this.toolOk },
      turn: { turns: this.turns, sessions: this.sessions?.size ?? (this.firstSession ? 1 : 0) },
      durations: ranks(all, [50, 95]),
      changes: {
        added: this.added,
        removed: this.removed,
        commits: this.commits,
        pullRequests: this.pullRequests,
      },
    };
  }
}

// One buffer with two views: asking a typed array for its buffer costs a copy in JSC.
let shared = { values: new Float64Array(0), bytes: new Uint8Array(0) };

function scratch(count: number): { values: Float64Array; bytes: Uint8Array } {
  if (shared.values.length < count) {
    const buffer = new ArrayBuffer(Math.max(count, 2 * shared.values.length, 4096) * 8);
    shared = { values: new Float64Array(buffer), bytes: new Uint8Array(buffer) };
  }
  return shared;
}

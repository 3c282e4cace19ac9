import { lastRowIds, touchedSince } from "./changes.js";
import type { Database } from "./db.js";
import {
  addChanges,
  type CodeChanges,
  readEventChanges,
  readPointLines,
  type SessionChanges,
} from "./session-changes.js";
import { FigureReader, readSessionFigures } from "./session-figures.js";
import type {
  Changes,
  Facet,
  RowIds,
  SessionFacets,
  SessionListPage,
  SessionListQuery,
  SessionListRow,
  SessionSort,
} from "./viewer-types.js";

/** Beyond this many sessions touched at once (an import), everything is read again. */
const MAX_TOUCHED = 2000;
const MAX_PAGE = 500;

/** Stores up to this many spans are read at once; larger ones in steps (`loadInSteps`). */
export const SMALL_STORE_SPANS = 50_000;

/**
 * Every session's figures, held by the viewer and kept current from the rows other processes
 * add. Sorting a year of sessions by cost needs every session's sums; reading them takes seconds
 * on a 1,000,000-span store, so it is done once, and each poll then re-reads only the sessions
 * that new rows (found by row id) touched. A page is then a filter and a sort in memory:
 * milliseconds for any order or filter.
 *
 * A large store is read in steps (`loadInSteps`) while the viewer already answers: pages are
 * then made of the sessions read so far (the newest first) and say how far the read is.
 *
 * Rows deleted by retention stay listed until the next full read (a restart of the viewer).
 */
export class SessionIndex {
  private readonly db: Database;
  private sessions = new Map<string, SessionListRow>();
  private ids: RowIds = { spans: 0, metricPoints: 0, codeChanges: 0 };
  /** Change events per session id, added up as new ones arrive. */
  private events = new Map<string, CodeChanges>();
  /** Other sources' lines per session id, read again when metric points arrive. */
  private points: SessionChanges = new Map();
  private readonly changesOf = (sessionId: string) =>
    addChanges(this.events.get(sessionId), this.points.get(sessionId));

  constructor(db: Database) {
    this.db = db;
  }

  /** Set while a read in steps is under way. */
  private reader: FigureReader | undefined;

  /** Reads every session, at once. */
  load(): void {
    this.reader = undefined;
    const ids = this.readChanges();
    const rows = readSessionFigures(this.db, this.changesOf);
    this.sessions = new Map(rows.map((row) => [row.sessionId, row]));
    this.ids = ids;
  }

  /**
   * Starts reading every session in steps: each call of the returned function reads about
   * `stepMs` worth and returns true while there is more. Until the last step, `update` leaves
   * new rows for later and `loading` says how far the read is; the last step applies what was
   * stored meanwhile.
   */
  loadInSteps(stepMs: number): () => boolean {
    const ids = this.readChanges();
    const reader = new FigureReader(this.db);
    this.reader = reader;
    this.sessions = new Map();
    return () => {
      if (this.reader !== reader) return false;
      const more = reader.step(stepMs);
      for (const row of reader.rows(this.changesOf)) this.sessions.set(row.sessionId, row);
      if (more) return true;
      this.reader = undefined;
      this.ids = ids;
      this.update();
      return false;
    };
  }

  /** How much of a read in steps is done (0..1); undefined when none is under way. */
  get loading(): number | undefined {
    return this.reader?.progress;
  }

  /** Spans in the store (the newest row id: deletions leave gaps), to choose how to load. */
  spanCount(): number {
    return lastRowIds(this.db).spans;
  }

  private readChanges(): RowIds {
    const ids = lastRowIds(this.db);
    this.events = new Map(readEventChanges(this.db, 0, ids.codeChanges));
    this.points = readPointLines(this.db);
    return ids;
  }

  /** Applies what was stored since the last look; undefined when nothing was. */
  update(): Changes | undefined {
    if (this.reader) return undefined;
    const ids = lastRowIds(this.db);
    const same = (key: keyof RowIds) => ids[key] === this.ids[key];
    if (same("spans") && same("metricPoints") && same("codeChanges")) return;
    if (
      ids.spans < this.ids.spans ||
      ids.metricPoints < this.ids.metricPoints ||
      ids.codeChanges < this.ids.codeChanges
    ) {
      // The file was replaced or emptied: start again.
      this.load();
      return { ids: this.ids, sessions: [...this.sessions.keys()], traces: [] };
    }
    const touched = touchedSince(this.db, this.ids.spans, MAX_TOUCHED);
    if (touched.more) {
      this.load();
      return { ids: this.ids, sessions: [...this.sessions.keys()], traces: touched.traces };
    }
    const sessions = new Set(touched.sessions);
    // Lines, commits and pull requests: new change events add to their sessions; other sources'
    // points are read again (an older point's increase can change when a late one arrives).
    const changed = new Set<string>();
    if (!same("codeChanges"))
      for (const [id, more] of readEventChanges(this.db, this.ids.codeChanges, ids.codeChanges)) {
        this.events.set(id, addChanges(this.events.get(id), more));
        changed.add(id);
      }
    if (!same("metricPoints")) {
      const before = this.points;
      this.points = readPointLines(this.db);
      for (const id of new Set([...before.keys(), ...this.points.keys()])) changed.add(id);
    }
    for (const id of changed) {
      const row = this.sessions.get(id);
      if (!row) continue;
      const now = this.changesOf(id);
      if (
        now.added === row.linesAdded &&
        now.removed === row.linesRemoved &&
        now.commits === row.commits &&
        now.pullRequests === row.pullRequests
      )
        continue;
      this.sessions.set(id, {
        ...row,
        linesAdded: now.added,
        linesRemoved: now.removed,
        commits: now.commits,
        pullRequests: now.pullRequests,
      });
      sessions.add(id);
    }
    if (touched.refs.length > 0)
      for (const row of readSessionFigures(this.db, this.changesOf, touched.refs))
        this.sessions.set(row.sessionId, row);
    this.ids = ids;
    return { ids, sessions: [...sessions], traces: touched.traces };
  }

  get rowIds(): RowIds {
    return this.ids;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A session's figures; during a read in steps, read for it alone (a session page's). */
  session(sessionId: string): SessionListRow | undefined {
    if (!this.reader) return this.sessions.get(sessionId);
    const ref = this.db.prepare("SELECT id FROM names WHERE value = ?").get(sessionId)?.id;
    if (typeof ref !== "number" && typeof ref !== "bigint") return undefined;
    return readSessionFigures(this.db, this.changesOf, [Number(ref)])[0];
  }

  page(query: SessionListQuery): SessionListPage {
    const matches = [...this.sessions.values()].filter(matcher(query));
    const compare = comparator(query.sort ?? "start");
    const sign = (query.descending ?? true) ? -1 : 1;
    matches.sort((a, b) => sign * compare(a, b) || b.startMs - a.startMs || order(a, b));
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? 50)));
    const page = { total: matches.length, offset, rows: matches.slice(offset, offset + limit) };
    const loading = this.loading;
    return loading === undefined ? page : { ...page, loading };
  }

  facets(): SessionFacets {
    const count = (values: (row: SessionListRow) => readonly string[]): Facet[] => {
      const counts = new Map<string, number>();
      for (const row of this.sessions.values())
        for (const value of values(row)) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
      return [...counts]
        .map(([value, sessions]) => ({ value, sessions }))
        .sort((a, b) => b.sessions - a.sessions || (a.value < b.value ? -1 : 1));
    };
    return {
      projects: count((row) => [row.project]),
      models: count((row) => row.models),
      agents: count((row) => [row.agent]),
    };
  }
}

function matcher(query: SessionListQuery): (row: SessionListRow) => boolean {
  const text = query.text?.trim().toLowerCase();
  return (row) =>
    (query.since === undefined || row.endMs >= query.since) &&
    (query.until === undefined || row.startMs < query.until) &&
    (!query.project || row.project.includes(query.project)) &&
    (!query.model || row.models.includes(query.model)) &&
    (!query.agent || row.agent === query.agent) &&
    (!text || row.title.toLowerCase().includes(text) || row.sessionId.toLowerCase().includes(text));
}

function order(a: SessionListRow, b: SessionListRow): number {
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

const byText =
  (value: (row: SessionListRow) => string) => (a: SessionListRow, b: SessionListRow) => {
    const x = value(a).toLowerCase();
    const y = value(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  };

const byNumber =
  (value: (row: SessionListRow) => number) => (a: SessionListRow, b: SessionListRow) =>
    value(a) - value(b);

function comparator(sort: SessionSort): (a: SessionListRow, b: SessionListRow) => number {
  switch (sort) {
    case "start":
      return byNumber((r) => r.startMs);
    case "duration":
      return byNumber((r) => r.endMs - r.startMs);
    case "title":
      return byText((r) => r.title || r.sessionId);
    case "project":
      return byText((r) => r.project);
    case "agent":
      return byText((r) => r.agent);
    case "turns":
      return byNumber((r) => r.turns);
    case "llmCalls":
      return byNumber((r) => r.llmCalls);
    case "toolCalls":
      return byNumber((r) => r.toolCalls);
    case "errors":
      return byNumber((r) => r.errors);
    case "cost":
      return byNumber((r) => r.costUsd);
    case "tokens":
      return byNumber((r) => r.tokens);
    case "cacheReadShare":
      return byNumber((r) => r.cacheReadShare);
    case "lines":
      return byNumber((r) => r.linesAdded + r.linesRemoved);
  }
}

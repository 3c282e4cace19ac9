import type { Database } from "./db.js";
import { real, text } from "./read-row.js";
import { type Changes, Queries } from "./report-queries.js";

/** Lines, commits and pull requests per session, as `report --by session` counts them. */

export type { Changes as CodeChanges };

export type SessionChanges = ReadonlyMap<string, Changes>;

const NO_CHANGES: Changes = { added: 0, removed: 0, commits: 0, pullRequests: 0 };

export function addChanges(a: Changes | undefined, b: Changes | undefined): Changes {
  if (!a || !b) return a ?? b ?? NO_CHANGES;
  return {
    added: a.added + b.added,
    removed: a.removed + b.removed,
    commits: a.commits + b.commits,
    pullRequests: a.pullRequests + b.pullRequests,
  };
}

/**
 * Lines, commits and pull requests per session id from the plugin's change events
 * (`code_changes`) with a row id in `(afterId, throughId]`: all of them from 0, the new ones
 * after that (the rows are only ever added, so new ones add to what was read).
 */
export function readEventChanges(db: Database, afterId: number, throughId: number): SessionChanges {
  const rows = db
    .prepare(
      `SELECT n.value AS id, c.added, c.removed, c.commits, c.pull_requests
       FROM (SELECT session_ref, TOTAL(added) AS added, TOTAL(removed) AS removed,
               TOTAL(commits) AS commits, TOTAL(pull_requests) AS pull_requests
             FROM code_changes WHERE rowid > ? AND rowid <= ? AND session_ref IS NOT NULL
             GROUP BY session_ref) c
       JOIN names n ON n.id = c.session_ref`,
    )
    .all(afterId, throughId);
  return new Map(
    rows.map((row) => [
      text(row.id),
      {
        added: real(row.added),
        removed: real(row.removed),
        commits: real(row.commits),
        pullRequests: real(row.pull_requests),
      },
    ]),
  );
}

/** Other OTLP sources' lines per session id, from `lines_of_code.count` points naming one. */
export function readPointLines(db: Database): SessionChanges {
  return new Queries(db, { group: "session" }).pointLinesBySession();
}

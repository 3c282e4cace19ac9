import { type Database, type Driver, openDatabase } from "./db.js";
import { int } from "./read-row.js";
import { SpendQueries } from "./spend.js";

/**
 * A connection for spend queries only (`spend.ts`): the statusline, the live view, budgets. It
 * opens an existing store (never creates one), brings a file older than the report columns up
 * to date as `Store.open` does, and loads nothing a write or a report needs.
 */
export interface SpendReader {
  readonly path: string;
  readonly queries: SpendQueries;
  /**
   * Runs `fn` in one read transaction: every query in it sees the same committed state (WAL
   * snapshot), so a batch another process commits meanwhile is counted by all of them or none.
   */
  snapshot<T>(fn: (queries: SpendQueries) => T): T;
  close(): void;
}

export async function openSpendReader(
  path: string,
  options: { readonly driver?: Driver } = {},
): Promise<SpendReader> {
  const db = await openDatabase(path, { mustExist: true, ...options });
  try {
    // Spend reads need the v2 report columns. The migrations (and the hashing they load) are
    // imported only for an older file: a statusline runs on every prompt.
    if (version(db) < 2) {
      const { migrate } = await import("./schema.js");
      migrate(db);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return reader(db);
}

function version(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!table) return 0;
  return int(db.prepare("SELECT MAX(version) AS version FROM schema_version").get()?.version);
}

function reader(db: Database): SpendReader {
  const queries = new SpendQueries(db);
  return {
    path: db.path,
    queries,
    snapshot(fn) {
      db.exec("BEGIN");
      try {
        return fn(queries);
      } finally {
        db.exec("COMMIT");
      }
    },
    close: () => db.close(),
  };
}

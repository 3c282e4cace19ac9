import { StoreError } from "./errors.js";

/**
 * A tiny SQLite adapter over the two bindings this package can rely on without native installs:
 * `bun:sqlite` (inside opencode, which runs plugins under Bun 1.3 where `node:sqlite` is missing)
 * and `node:sqlite` (Node 22.13+ and 24, for the CLI under `npx`). `better-sqlite3` is not an
 * option: it refuses to load in Bun and needs an install script.
 */

/** What a statement accepts: booleans and undefined are refused by `node:sqlite`. */
export type SqlValue = null | number | bigint | string | Uint8Array;
export type Row = Readonly<Record<string, unknown>>;

export interface Statement {
  run(...params: SqlValue[]): { changes: number };
  all(...params: SqlValue[]): Row[];
  get(...params: SqlValue[]): Row | undefined;
}

export type Driver = "bun:sqlite" | "node:sqlite";

export interface Database {
  readonly driver: Driver;
  readonly path: string;
  exec(sql: string): void;
  /** `bigints`: integer columns come back as `bigint` (needed to read nanosecond times). */
  prepare(sql: string, options?: { bigints?: boolean }): Statement;
  /** Runs `fn` in `BEGIN IMMEDIATE` (nested calls join the outer one); rolls back on throw. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export interface OpenOptions {
  /** Force a binding (tests run both under Bun 1.4, which has both). */
  readonly driver?: Driver;
  /** Fail instead of creating a missing file. */
  readonly mustExist?: boolean;
  /** Only reads (with `mustExist`): the journal mode and write settings are left as they are. */
  readonly reader?: boolean;
}

// The subset of each binding used here, declared locally: `@types/node` 20 has no `node:sqlite`,
// and a variable specifier keeps both bundlers and Node 20 from resolving the module eagerly.
interface BunStatement {
  run(...params: SqlValue[]): { changes: number };
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
  safeIntegers(enabled: boolean): unknown;
}
interface BunDatabase {
  exec(sql: string): void;
  prepare(sql: string): BunStatement;
  close(): void;
}
interface BunSqlite {
  Database: new (path: string, options: { create: boolean; readwrite: boolean }) => BunDatabase;
}
interface NodeStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
  setReadBigInts(enabled: boolean): void;
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
}
interface NodeSqlite {
  DatabaseSync: new (path: string, options: { timeout: number }) => NodeDatabase;
}

const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating unless `mustExist`) a database file with the store's connection settings. */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<Database> {
  const driver = options.driver ?? (typeof Bun !== "undefined" ? "bun:sqlite" : "node:sqlite");
  const mustExist = options.mustExist === true;
  // bun:sqlite can refuse to create the file itself; node:sqlite cannot, so it is checked first.
  if (mustExist && driver === "node:sqlite" && !(await exists(path))) throw noStore(path);
  const db = driver === "bun:sqlite" ? await openBun(path, !mustExist) : await openNode(path);
  try {
    // busy_timeout first, so that switching a fresh file to WAL waits for a concurrent opener.
    db.exec(`PRAGMA busy_timeout=${BUSY_TIMEOUT_MS}`);
    // A reader of an existing store (the spend commands) skips the rest: WAL mode is kept in the
    // file, and it writes nothing the others govern: three statements fewer on every prompt.
    if (!(mustExist && options.reader)) {
      db.exec("PRAGMA journal_mode=WAL");
      db.exec("PRAGMA synchronous=NORMAL");
      db.exec("PRAGMA foreign_keys=OFF");
    }
  } catch (error) {
    db.close();
    throw storeError(error);
  }
  return db;
}

// node:fs loads only when asked: the statusline opens the store on every prompt, under Bun
// without it.
async function exists(path: string): Promise<boolean> {
  const { existsSync } = await import("node:fs");
  return existsSync(path);
}

function noStore(path: string): StoreError {
  return new StoreError("no-store", `no telemetry store at ${path}`);
}

/** The module's shape is declared above, not checked: these are the runtime's own modules. */
async function importModule<T>(specifier: string): Promise<T> {
  try {
    return await import(specifier);
  } catch {
    const runtime = typeof Bun !== "undefined" ? `Bun ${Bun.version}` : `Node ${process.version}`;
    throw new StoreError(
      "no-sqlite",
      `opencode-otel's store needs Node 22.13+ or Bun (${specifier} is missing in ${runtime})`,
    );
  }
}

async function openBun(path: string, create: boolean): Promise<Database> {
  const sqlite = await importModule<BunSqlite>("bun:sqlite");
  let raw: BunDatabase;
  try {
    raw = new sqlite.Database(path, { create, readwrite: true });
  } catch (error) {
    if (!create && !(await exists(path))) throw noStore(path);
    throw storeError(error);
  }
  return adapt("bun:sqlite", path, raw, (sql, bigints) => {
    const statement = raw.prepare(sql);
    statement.safeIntegers(bigints);
    return {
      run: (...params) => ({ changes: statement.run(...params).changes }),
      all: (...params) => statement.all(...params).filter(isRow),
      // bun:sqlite gives null for "no row"; node:sqlite gives undefined.
      get: (...params) => asRow(statement.get(...params)),
    };
  });
}

async function openNode(path: string): Promise<Database> {
  const sqlite = await importModule<NodeSqlite>("node:sqlite");
  const raw = wrap(() => new sqlite.DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS }));
  return adapt("node:sqlite", path, raw, (sql, bigints) => {
    const statement = raw.prepare(sql);
    // Without this node:sqlite throws on integers beyond 2^53 (nanosecond times).
    statement.setReadBigInts(bigints);
    return {
      run: (...params) => ({ changes: Number(statement.run(...params).changes) }),
      all: (...params) => statement.all(...params).filter(isRow),
      get: (...params) => asRow(statement.get(...params)),
    };
  });
}

function adapt(
  driver: Driver,
  path: string,
  raw: { exec(sql: string): void; close(): void },
  prepare: (sql: string, bigints: boolean) => Statement,
): Database {
  let depth = 0;
  return {
    driver,
    path,
    exec: (sql) => wrap(() => raw.exec(sql)),
    prepare: (sql, options) => guarded(wrap(() => prepare(sql, options?.bigints ?? false))),
    transaction<T>(fn: () => T): T {
      if (depth > 0) return fn();
      // IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
      // transaction that reads and then writes can fail with SQLITE_BUSY without waiting when
      // another process committed in between.
      wrap(() => raw.exec("BEGIN IMMEDIATE"));
      depth = 1;
      try {
        const result = fn();
        wrap(() => raw.exec("COMMIT"));
        return result;
      } catch (error) {
        try {
          raw.exec("ROLLBACK");
        } catch {
          // Already rolled back by SQLite (e.g. after SQLITE_FULL); the first error matters.
        }
        throw error;
      } finally {
        depth = 0;
      }
    },
    close: () => raw.close(),
  };
}

function guarded(statement: Statement): Statement {
  return {
    run: (...params) => wrap(() => statement.run(...params)),
    all: (...params) => wrap(() => statement.all(...params)),
    get: (...params) => wrap(() => statement.get(...params)),
  };
}

function isRow(value: unknown): value is Row {
  return typeof value === "object" && value !== null;
}

function asRow(value: unknown): Row | undefined {
  return isRow(value) ? value : undefined;
}

/** Runs a driver call, turning its errors into `StoreError`s with a code scripts can use. */
function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw storeError(error);
  }
}

function storeError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code =
    /database is locked|SQLITE_BUSY|database table is locked/i.test(message) ||
    (isRow(error) && (error.code === "SQLITE_BUSY" || error.errcode === 5))
      ? "locked"
      : /not a database|malformed|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(message)
        ? "corrupt"
        : "sqlite";
  return new StoreError(code, message, { cause: error });
}

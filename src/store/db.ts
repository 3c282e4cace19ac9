import { existsSync, statSync } from "node:fs";
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
  /**
   * Calls `visit` with each row's values, in column order, as an array: a report reading half
   * a million rows builds no object per row (under Node, row objects cost three times more
   * than the query; arrays are what both bindings return fastest).
   */
  eachValues(visit: (values: readonly unknown[]) => void, ...params: SqlValue[]): void;
}

export type Driver = "bun:sqlite" | "node:sqlite";

export interface Database {
  readonly driver: Driver;
  readonly path: string;
  /** True when opened read-only (a store the user may read but not write). */
  readonly readOnly: boolean;
  /**
   * What a reader should know about how the file was read (a write-ahead log that could not
   * be read, an old schema counted in memory); empty when nothing is missing or slow.
   */
  readonly notes: string[];
  exec(sql: string): void;
  /** `bigints`: integer columns come back as `bigint` (needed to read nanosecond times). */
  prepare(sql: string, options?: { bigints?: boolean }): Statement;
  /**
   * Runs `fn` in `BEGIN IMMEDIATE` (nested calls join the outer one); rolls back on throw.
   * `waitMs` replaces the busy timeout for taking the write lock: 0 fails at once with a
   * `locked` StoreError when another process holds it, so a server can wait without blocking.
   */
  transaction<T>(fn: () => T, options?: { readonly waitMs?: number }): T;
  /**
   * Runs `fn` in one read transaction (inside a transaction: in that one), so that every query
   * it makes sees the same snapshot of the file while other processes write.
   */
  read<T>(fn: () => T): T;
  close(): void;
}

export interface OpenOptions {
  /** Force a binding (tests run both under Bun 1.4, which has both). */
  readonly driver?: Driver;
  /** Fail instead of creating a missing file. */
  readonly mustExist?: boolean;
  /**
   * Open for reading only, without creating, migrating or changing the journal mode: for a
   * store the user can read but not write. Where SQLite cannot read a WAL file read-only (the
   * folder is not writable, so its `-shm` index cannot be made), it falls back to
   * `immutable=1`, which reads the main file as it is.
   */
  readonly readOnly?: boolean;
}

// The subset of each binding used here, declared locally: `@types/node` 20 has no `node:sqlite`,
// and a variable specifier keeps both bundlers and Node 20 from resolving the module eagerly.
interface BunStatement {
  run(...params: SqlValue[]): { changes: number };
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
  values(...params: SqlValue[]): unknown[];
  safeIntegers(enabled: boolean): unknown;
}
interface BunDatabase {
  exec(sql: string): void;
  prepare(sql: string): BunStatement;
  close(): void;
}
interface BunSqlite {
  Database: new (
    path: string,
    options: { create: boolean; readwrite: boolean } | number,
  ) => BunDatabase;
  constants: { SQLITE_OPEN_READONLY: number; SQLITE_OPEN_URI: number };
}
interface NodeStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
  iterate(...params: SqlValue[]): Iterable<unknown>;
  setReadBigInts(enabled: boolean): void;
  /** Node 22.16+ and 24: rows as arrays. */
  setReturnArrays?: (enabled: boolean) => void;
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
}
interface NodeSqlite {
  DatabaseSync: new (
    path: string | URL,
    options: { timeout: number; readOnly?: boolean },
  ) => NodeDatabase;
}

const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating unless `mustExist`) a database file with the store's connection settings. */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<Database> {
  const driver = options.driver ?? (typeof Bun !== "undefined" ? "bun:sqlite" : "node:sqlite");
  if (options.mustExist && !existsSync(path))
    throw new StoreError("no-store", `no telemetry store at ${path}`);
  if (options.readOnly) return openReadOnly(driver, path);
  const db = driver === "bun:sqlite" ? await openBun(path) : await openNode(path);
  try {
    // busy_timeout first, so that switching a fresh file to WAL waits for a concurrent opener.
    db.exec(`PRAGMA busy_timeout=${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA foreign_keys=OFF");
  } catch (error) {
    db.close();
    throw storeError(error);
  }
  return db;
}

/** Read-only: as is (a live WAL included) when SQLite can, else `immutable=1` (see OpenOptions). */
async function openReadOnly(driver: Driver, path: string): Promise<Database> {
  let lastError: unknown;
  for (const mode of [true, "immutable"] as const) {
    const db = driver === "bun:sqlite" ? await openBun(path, mode) : await openNode(path, mode);
    try {
      db.exec(`PRAGMA busy_timeout=${BUSY_TIMEOUT_MS}`);
      // Opening is lazy: the first read is what finds out whether the file can be read.
      db.prepare("SELECT COUNT(*) AS n FROM sqlite_master").get();
      const wal = mode === "immutable" ? walBytes(path) : 0;
      // Read as immutable, the file misses whatever its log holds: said, never left silent.
      if (wal > 0)
        db.notes.push(
          `the store's write-ahead log (${path}-wal, ${wal} bytes) cannot be read without ` +
            "write access to its folder, so what was written since its last checkpoint is " +
            "left out; run the command as a user who can write the folder for every row",
        );
      return db;
    } catch (error) {
      db.close();
      lastError = error;
    }
  }
  throw storeError(lastError);
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0; // No log: the file holds everything.
  }
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

/** `readOnly`: false for read-write; true for read-only; "immutable" for `immutable=1`. */
async function openBun(path: string, readOnly: boolean | "immutable" = false): Promise<Database> {
  const sqlite = await importModule<BunSqlite>("bun:sqlite");
  const { SQLITE_OPEN_READONLY, SQLITE_OPEN_URI } = sqlite.constants;
  const raw = wrap(() =>
    readOnly === false
      ? new sqlite.Database(path, { create: true, readwrite: true })
      : readOnly === "immutable"
        ? new sqlite.Database(immutableUri(path), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI)
        : new sqlite.Database(path, SQLITE_OPEN_READONLY),
  );
  return adapt("bun:sqlite", path, readOnly !== false, raw, (sql, bigints) => {
    const statement = raw.prepare(sql);
    statement.safeIntegers(bigints);
    return {
      run: (...params) => ({ changes: statement.run(...params).changes }),
      all: (...params) => rowsOf(statement.all(...params)),
      // bun:sqlite gives null for "no row"; node:sqlite gives undefined.
      get: (...params) => asRow(statement.get(...params)),
      eachValues: (visit, ...params) => eachArray(statement.values(...params), visit),
    };
  });
}

async function openNode(path: string, readOnly: boolean | "immutable" = false): Promise<Database> {
  const sqlite = await importModule<NodeSqlite>("node:sqlite");
  const raw = wrap(() =>
    readOnly === false
      ? new sqlite.DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS })
      : new sqlite.DatabaseSync(readOnly === "immutable" ? new URL(immutableUri(path)) : path, {
          timeout: BUSY_TIMEOUT_MS,
          readOnly: true,
        }),
  );
  return adapt("node:sqlite", path, readOnly !== false, raw, (sql, bigints) => {
    const statement = raw.prepare(sql);
    // Without this node:sqlite throws on integers beyond 2^53 (nanosecond times).
    statement.setReadBigInts(bigints);
    return {
      run: (...params) => ({ changes: Number(statement.run(...params).changes) }),
      all: (...params) => rowsOf(statement.all(...params)),
      get: (...params) => asRow(statement.get(...params)),
      eachValues(visit, ...params) {
        const { setReturnArrays } = statement;
        if (!setReturnArrays) {
          for (const row of statement.iterate(...params)) if (isRow(row)) visit(Object.values(row));
          return;
        }
        setReturnArrays.call(statement, true);
        try {
          eachArray(statement.all(...params), visit);
        } finally {
          setReturnArrays.call(statement, false);
        }
      },
    };
  });
}

/** `file:` URI for SQLite with `immutable=1` (RFC 8089 path, SQLite's URI rules). */
function immutableUri(path: string): string {
  const absolute = path.replaceAll("\\", "/");
  const encoded = encodeURI(absolute.startsWith("/") ? absolute : `/${absolute}`)
    .replaceAll("?", "%3f")
    .replaceAll("#", "%23");
  return `file://${encoded}?immutable=1`;
}

function adapt(
  driver: Driver,
  path: string,
  readOnly: boolean,
  raw: { exec(sql: string): void; close(): void },
  prepare: (sql: string, bigints: boolean) => Statement,
): Database {
  let depth = 0;
  let reading = false;
  return {
    driver,
    path,
    readOnly,
    notes: [],
    exec: (sql) => wrap(() => raw.exec(sql)),
    prepare: (sql, options) => guarded(wrap(() => prepare(sql, options?.bigints ?? false))),
    transaction<T>(fn: () => T, options?: { readonly waitMs?: number }): T {
      if (depth > 0) return fn();
      // IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
      // transaction that reads and then writes can fail with SQLITE_BUSY without waiting when
      // another process committed in between.
      const waitMs = options?.waitMs;
      if (waitMs === undefined) wrap(() => raw.exec("BEGIN IMMEDIATE"));
      else {
        wrap(() => raw.exec(`PRAGMA busy_timeout=${Math.max(0, Math.floor(waitMs))}`));
        try {
          wrap(() => raw.exec("BEGIN IMMEDIATE"));
        } finally {
          raw.exec(`PRAGMA busy_timeout=${BUSY_TIMEOUT_MS}`);
        }
      }
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
    read<T>(fn: () => T): T {
      if (depth > 0 || reading) return fn();
      wrap(() => raw.exec("BEGIN"));
      reading = true;
      try {
        return fn();
      } finally {
        reading = false;
        try {
          raw.exec("COMMIT");
        } catch {
          // Nothing was written: a read transaction has nothing to lose.
        }
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
    eachValues: (visit, ...params) => wrap(() => statement.eachValues(visit, ...params)),
  };
}

function isRow(value: unknown): value is Row {
  return typeof value === "object" && value !== null;
}

function eachArray(rows: readonly unknown[], visit: (values: readonly unknown[]) => void): void {
  for (const row of rows) if (Array.isArray(row)) visit(row);
}

/** The bindings return row objects; checking them costs no copy (reports read 500,000 rows). */
function rowsOf(values: unknown[]): Row[] {
  return values.every(isRow) ? values : values.filter(isRow);
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

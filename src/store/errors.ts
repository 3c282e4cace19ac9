/**
 * Why a store operation failed, for the CLI's messages and exit codes:
 * - `no-store`: the file does not exist (and the caller asked not to create it);
 * - `no-sqlite`: this runtime has neither `bun:sqlite` nor `node:sqlite` (Node 20);
 * - `locked`: another process held the write lock beyond the busy timeout (5 s);
 * - `newer-schema`: the file was written by a newer opencode-otel;
 * - `corrupt`: not a SQLite file, or a damaged one;
 * - `needs-upgrade`: opened read-only at an older schema (migrating needs write access);
 * - `sqlite`: any other SQLite error.
 */
export type StoreErrorCode =
  | "no-store"
  | "no-sqlite"
  | "locked"
  | "newer-schema"
  | "corrupt"
  | "needs-upgrade"
  | "sqlite";

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}

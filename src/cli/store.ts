/**
 * Opens the store for a command, turning the store's failures into one-line messages with the
 * exit codes `errors.ts` documents. The path: `--db`, else `$OPENCODE_OTEL_STORE` (what the
 * plugin's local exporter writes to), else the user data folder.
 */
import { Store, StoreError } from "../store/index.js";
import { CliError, EXIT_USAGE } from "./errors.js";
import { storePathOf } from "./store-path.js";

export { storePathOf };

/** Why a store could not be used, in words a user can act on. */
export function describeStoreError(error: StoreError, path: string): CliError {
  switch (error.code) {
    case "no-store":
      return new CliError(
        `no telemetry store at ${path}; run opencode with the plugin's local exporter ` +
          "or `opencode-otel serve` first",
      );
    case "no-sqlite":
      return new CliError(error.message, EXIT_USAGE);
    case "locked":
      return new CliError(
        `the store at ${path} is locked by another process (waited 5 s); try again in a moment`,
      );
    case "newer-schema":
      return new CliError(`${error.message}; upgrade opencode-otel to read ${path}`);
    case "corrupt":
      return new CliError(
        `the store at ${path} is damaged or not a telemetry store (${error.message}); ` +
          "move it aside (or restore a backup): a new store is created in its place",
      );
    case "needs-upgrade":
      return new CliError(
        `cannot read the store at ${path} without write access: ${error.message}; run the ` +
          "command once as a user who can write it",
      );
    case "sqlite":
      return new CliError(`store error at ${path}: ${error.message}`);
  }
}

export async function openStore(
  db: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  options: {
    create: boolean;
    checkpointPages?: number;
    /** Told how a store opened read-only was read, when something is missing or slow. */
    note?: (message: string) => void;
  },
): Promise<Store> {
  const path = storePathOf(db, env);
  try {
    return await Store.open(path, {
      mustExist: !options.create,
      ...(options.checkpointPages !== undefined
        ? { checkpointPages: options.checkpointPages }
        : {}),
    });
  } catch (error) {
    // Reading commands also work on a store this user may read but not write (another user's,
    // a backup mounted read-only): open it read-only instead.
    if (!options.create && error instanceof StoreError && readOnlyFailure(error)) {
      try {
        const store = await Store.open(path, { mustExist: true, readOnly: true });
        for (const note of store.notes) options.note?.(note);
        return store;
      } catch (second) {
        throw second instanceof StoreError ? describeStoreError(second, path) : second;
      }
    }
    throw error instanceof StoreError ? describeStoreError(error, path) : error;
  }
}

/** SQLite's words for "this file (or its folder, for the WAL index) cannot be written". */
function readOnlyFailure(error: StoreError): boolean {
  return /readonly|read-only|unable to open database|permission denied|access permission/i.test(
    error.message,
  );
}

/** Runs a store call, turning a `StoreError` (a lock held too long, say) into a `CliError`. */
export function withStore<T>(store: Store, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw error instanceof StoreError ? describeStoreError(error, store.path) : error;
  }
}

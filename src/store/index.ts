/**
 * The embedded telemetry store's public surface (issue 6) for `serve` and the CLI. The SDK
 * exporters (`exporter.ts`, `from-sdk.ts`) are imported from their files by the plugin only, so
 * that the CLI never loads the OpenTelemetry SDK.
 */
export { PROJECT_DIRECTORY } from "./columns.js";
export type { Database, Driver, OpenOptions, SqlValue } from "./db.js";
export { openDatabase } from "./db.js";
export { StoreError, type StoreErrorCode } from "./errors.js";
export { defaultStorePath, type PathContext } from "./paths.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";
export { type SessionIndex, SMALL_STORE_SPANS } from "./session-index.js";
export { Store, type StoreOptions } from "./store.js";
export type * from "./types.js";
export * from "./viewer-types.js";

import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import * as sc from "../semconv.js";
import { categoryOf, PROJECT_DIRECTORY } from "./columns.js";
import type { Driver } from "./db.js";
import { logRowFromSdk, metricRowsFromSdk, spanRowFromSdk } from "./from-sdk.js";
import { Store } from "./store.js";
import type { SpanRow } from "./types.js";

export interface StoreExporterOptions {
  /** A store to write to (left open at shutdown); otherwise one is opened at `path`. */
  readonly store?: Store | Promise<Store>;
  /** File to open on the first export and close at shutdown; needed unless `store` is given. */
  readonly path?: string;
  readonly driver?: Driver;
  /** Told about every failed export, besides the SDK's result callback. */
  readonly onError?: (error: unknown) => void;
  /**
   * The project directory for rows whose resource does not name one (the plugin passes
   * opencode's working directory). Kept to the local store: it never goes to an OTLP backend.
   */
  readonly project?: string;
  /**
   * A session's title (opencode writes one from the first prompt), added to its session spans in
   * the store so reports can show it. Prompt content: it never goes to an OTLP backend unless
   * prompt capture is on.
   */
  readonly sessionTitle?: ((sessionId: string) => string | undefined) | undefined;
}

/** Adds the session's title to session spans that have none. */
function withTitle(sessionTitle: StoreExporterOptions["sessionTitle"]): (row: SpanRow) => SpanRow {
  return (row) => {
    const a = row.attributes;
    const id = a[sc.SESSION_ID];
    if (!sessionTitle || typeof id !== "string" || a[sc.SESSION_TITLE] !== undefined) return row;
    if (categoryOf(row.name, a) !== "session") return row;
    const title = sessionTitle(id);
    return title ? { ...row, attributes: { ...a, [sc.SESSION_TITLE]: title } } : row;
  };
}

/** Adds the project directory to a row's resource when the row has none. */
function withProject<R extends { readonly resource: Readonly<Record<string, unknown>> }>(
  project: string | undefined,
): (row: R) => R {
  return (row) =>
    !project || row.resource[PROJECT_DIRECTORY] !== undefined
      ? row
      : { ...row, resource: { ...row.resource, [PROJECT_DIRECTORY]: project } };
}

/**
 * The `local` exporters: each SDK batch becomes one write transaction in the store. Nothing is
 * opened until the first export, and a failure (no SQLite in this runtime, a locked file) is
 * reported through the result callback and `onError`, never thrown into the host; the next batch
 * tries again.
 */
class StoreWriter<T> {
  private store: Promise<Store> | undefined;
  private readonly owned: boolean;
  private pending: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly options: StoreExporterOptions,
    private readonly insert: (store: Store, items: T) => void,
  ) {
    this.owned = options.store === undefined;
    if (options.store) this.store = Promise.resolve(options.store);
  }

  export(items: T, done: (result: ExportResult) => void): void {
    if (this.closed) {
      done({ code: ExportResultCode.FAILED, error: new Error("store exporter is shut down") });
      return;
    }
    // One write at a time, in order; forceFlush and shutdown wait for the chain.
    this.pending = this.pending.then(async () => {
      try {
        this.insert(await this.open(), items);
        done({ code: ExportResultCode.SUCCESS });
      } catch (error) {
        this.options.onError?.(error);
        done({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    });
  }

  private open(): Promise<Store> {
    if (!this.store) {
      const path = this.options.path;
      const opening = path
        ? Store.open(path, { driver: this.options.driver })
        : Promise.reject(new Error("the local store has neither a store nor a path to open"));
      this.store = opening;
      // Forget a failed open so that the next batch tries again.
      opening.catch(() => {
        if (this.store === opening) this.store = undefined;
      });
    }
    return this.store;
  }

  async forceFlush(): Promise<void> {
    await this.pending;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.pending;
    if (!this.owned || !this.store) return;
    try {
      (await this.store).close();
    } catch {
      // Never opened: nothing to close.
    }
  }
}

export class StoreSpanExporter implements SpanExporter {
  private readonly writer: StoreWriter<ReadableSpan[]>;

  constructor(options: StoreExporterOptions = {}) {
    this.writer = new StoreWriter(options, (store, spans) =>
      store.insertSpans(
        spans
          .map(spanRowFromSdk)
          .map(withProject(options.project))
          .map(withTitle(options.sessionTitle)),
      ),
    );
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.writer.export(spans, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.writer.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.writer.shutdown();
  }
}

export class StoreLogExporter implements LogRecordExporter {
  private readonly writer: StoreWriter<ReadableLogRecord[]>;

  constructor(options: StoreExporterOptions = {}) {
    this.writer = new StoreWriter(options, (store, logs) =>
      store.insertLogs(logs.map(logRowFromSdk).map(withProject(options.project))),
    );
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.writer.export(logs, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.writer.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.writer.shutdown();
  }
}

export interface StoreMetricExporterOptions extends StoreExporterOptions {
  /** The SDK's temporality per instrument; cumulative for all when unset (the SDK default). */
  readonly selectAggregationTemporality?: (type: InstrumentType) => AggregationTemporality;
}

export class StoreMetricExporter implements PushMetricExporter {
  private readonly writer: StoreWriter<ResourceMetrics>;
  readonly selectAggregationTemporality?: (type: InstrumentType) => AggregationTemporality;

  constructor(options: StoreMetricExporterOptions = {}) {
    this.writer = new StoreWriter(options, (store, metrics) =>
      store.insertMetricPoints(metricRowsFromSdk(metrics).map(withProject(options.project))),
    );
    if (options.selectAggregationTemporality)
      this.selectAggregationTemporality = options.selectAggregationTemporality;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.writer.export(metrics, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.writer.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.writer.shutdown();
  }
}

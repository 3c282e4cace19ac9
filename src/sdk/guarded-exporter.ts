import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { DiagnosticLog } from "../log.js";

/** The export surface shared by span, log-record and metric exporters. */
export interface BasicExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface GuardOptions<T> {
  readonly signal: "traces" | "metrics" | "logs";
  readonly log: DiagnosticLog;
  /** Builds the real exporter with the current headers. Called again after a header refresh. */
  readonly create: (headers: Record<string, string>) => BasicExporter<T>;
  /** Headers from the headers helper, if one is configured. */
  readonly helper: HeaderSource | undefined;
}

export interface HeaderSource {
  /** Current headers (waits for the first helper run). */
  current(): Promise<Record<string, string>>;
  /** Runs the helper again (after the collector refused our credentials). */
  refresh(): Promise<Record<string, string>>;
}

/**
 * Wraps an OTLP exporter so that: a failed export is reported once (rate-limited) in opencode's
 * log with what to check, never thrown; and, with a headers helper, a 401/403 (HTTP) or
 * UNAUTHENTICATED (gRPC) refreshes the headers and retries that batch once.
 */
export class GuardedExporter<T> implements BasicExporter<T> {
  private inner: BasicExporter<T> | undefined;
  private ready: Promise<BasicExporter<T>>;
  /** Exports not yet answered: shutdown waits for them, or they would hit a stopped exporter. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: GuardOptions<T>) {
    this.ready = this.build(options.helper ? options.helper.current() : Promise.resolve({}));
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.pending.add(done);
    const answer = (result: ExportResult) => {
      this.pending.delete(done);
      settle();
      resultCallback(result);
    };
    this.ready
      .then((inner) => this.send(inner, items, true, answer))
      .catch((error: unknown) => {
        this.report(error);
        answer({ code: ExportResultCode.FAILED, error: toError(error) });
      });
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.pending);
    const inner = this.inner ?? (await this.ready);
    await inner.shutdown();
  }

  async forceFlush(): Promise<void> {
    const inner = this.inner ?? (await this.ready);
    await inner.forceFlush?.();
  }

  private async build(headers: Promise<Record<string, string>>): Promise<BasicExporter<T>> {
    const resolved = await headers.catch((error: unknown) => {
      this.options.log.warn(
        `opencode-otel: the headers helper failed (${describe(error)}); exporting ${this.options.signal} without its headers.`,
      );
      return {};
    });
    this.inner = this.options.create(resolved);
    return this.inner;
  }

  private send(
    inner: BasicExporter<T>,
    items: T,
    mayRetry: boolean,
    resultCallback: (result: ExportResult) => void,
  ): void {
    inner.export(items, (result) => {
      if (result.code === ExportResultCode.SUCCESS) return resultCallback(result);
      const helper = this.options.helper;
      if (mayRetry && helper && isAuthFailure(result.error)) {
        const previous = inner;
        this.ready = this.build(helper.refresh());
        this.ready
          .then((next) => {
            previous.shutdown().catch(() => undefined);
            this.send(next, items, false, resultCallback);
          })
          .catch((error: unknown) =>
            resultCallback({ code: ExportResultCode.FAILED, error: toError(error) }),
          );
        return;
      }
      this.report(result.error);
      resultCallback(result);
    });
  }

  private report(error: unknown): void {
    this.options.log.warn(
      `opencode-otel: exporting ${this.options.signal} failed: ${describe(error)}. Check the endpoint, protocol and credentials; telemetry keeps running.`,
    );
  }
}

/** 401/403 over HTTP, UNAUTHENTICATED (16) or PERMISSION_DENIED (7) over gRPC. */
export function isAuthFailure(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const code = error.code;
  return code === 401 || code === 403 || code === 16 || code === 7;
}

function describe(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = "code" in error ? ` (code ${String(error.code)})` : "";
    const name = "name" in error && typeof error.name === "string" ? error.name : "error";
    const message = "message" in error && typeof error.message === "string" ? error.message : "";
    // The message's first line only, capped: exporter errors can go on to quote response bodies.
    const line = message.split("\n", 1)[0]?.slice(0, 200) ?? "";
    return `${name}${code}${line ? `: ${line}` : ""}`;
  }
  return typeof error;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(describe(error));
}

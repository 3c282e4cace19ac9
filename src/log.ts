/**
 * The plugin's one diagnostics channel. Messages go to opencode's own log (through the client the
 * host passes in), never to the console, and each distinct message is written at most once per
 * `repeatMs` so a collector that is down cannot flood the host's log.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogSink = (level: LogLevel, message: string) => void;

export interface DiagnosticLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createDiagnosticLog(sink: LogSink, repeatMs = 60_000): DiagnosticLog {
  const lastWritten = new Map<string, number>();
  const write = (level: LogLevel, message: string) => {
    const now = Date.now();
    const last = lastWritten.get(message);
    if (last !== undefined && now - last < repeatMs) return;
    if (lastWritten.size > 256) lastWritten.clear();
    lastWritten.set(message, now);
    try {
      sink(level, message);
    } catch {
      // A broken log sink must not turn into an exception in the host.
    }
  };
  return {
    debug: (message) => write("debug", message),
    info: (message) => write("info", message),
    warn: (message) => write("warn", message),
    error: (message) => write("error", message),
  };
}

/** A sink writing through opencode's SDK client (`client.app.log`), fire and forget. */
export function opencodeLogSink(client: unknown): LogSink {
  const log = appLog(client);
  return (level, message) => {
    if (!log) return;
    const pending = log({ body: { service: "opencode-otel", level, message } });
    if (pending instanceof Promise) pending.catch(() => undefined);
  };
}

type AppLog = (options: { body: { service: string; level: LogLevel; message: string } }) => unknown;

function appLog(client: unknown): AppLog | undefined {
  if (typeof client !== "object" || client === null || !("app" in client)) return undefined;
  const app = client.app;
  if (typeof app !== "object" || app === null || !("log" in app)) return undefined;
  const log = app.log;
  if (typeof log !== "function") return undefined;
  return (options) => Reflect.apply(log, app, [options]);
}

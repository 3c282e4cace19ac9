import type { LogSink } from "../../src/log.js";
import {
  createPluginInstance,
  type PluginEnvironment,
  type PluginInstance,
} from "../../src/plugin.js";
import type { ExporterOverrides } from "../../src/sdk/telemetry.js";
import { type Captured, processSegments } from "./fixtures.js";

export const TEST_ENV = { OPENCODE_ENABLE_TELEMETRY: "1" } as const;

export interface ReplayOptions {
  readonly env?: Record<string, string | undefined>;
  readonly options?: unknown;
  readonly exporters?: ExporterOverrides;
  readonly logSink?: LogSink;
  /** opencode's working directory (the project). */
  readonly directory?: string;
  /** Call dispose at the end of each process segment even if the capture has none (serve). */
  readonly disposeAtEnd?: boolean;
  /** Telemetry built another way than the plugin's own (the SDK's providers, to compare). */
  readonly telemetry?: PluginEnvironment["telemetry"];
  /** How long the plugin waits for a resumed session's history (ms). */
  readonly historyTimeoutMs?: number;
  /** Collects the toasts the plugin asks opencode's TUI for (`client.tui.showToast`). */
  readonly toasts?: unknown[];
}

/**
 * opencode's SDK client as the plugin uses it, answering from the capture: a session's history
 * read (`session.messages`) resolves when the replay reaches the `client.messages` record the
 * capture plugin wrote for that session, so it lands between the same events as it did live.
 * A read the capture has no answer for resolves, at the end of the segment, with an error.
 */
class CapturedClient {
  private readonly waiting = new Map<string, (answer: unknown) => void>();
  private readonly answered = new Map<string, unknown>();

  constructor(toasts: unknown[] | undefined) {
    if (toasts)
      this.tui = {
        showToast: async (request: { body: unknown }) => {
          toasts.push(request.body);
          return { data: true };
        },
      };
  }

  readonly tui: { showToast(request: { body: unknown }): Promise<unknown> } | undefined;

  readonly session = {
    messages: (request: { path: { id: string } }) =>
      new Promise<unknown>((resolve) => {
        const id = request.path.id;
        if (this.answered.has(id)) resolve(this.answered.get(id));
        else this.waiting.set(id, resolve);
      }),
    diff: async () => ({ data: [] }),
  };

  answer(record: Captured): void {
    const input = record.input;
    if (typeof input !== "object" || input === null || !("sessionId" in input)) return;
    const id = String(input.sessionId);
    const answer = { data: record.output };
    this.answered.set(id, answer);
    this.waiting.get(id)?.(answer);
    this.waiting.delete(id);
  }

  close(): void {
    for (const resolve of this.waiting.values()) resolve({ error: "not captured" });
    this.waiting.clear();
  }
}

/**
 * Replays a capture through real plugin instances, one per opencode process in it, with the
 * capture's own clock. Hooks are called the way opencode calls them: `event` not awaited,
 * `chat.message` and `dispose` awaited.
 */
export async function replay(
  records: readonly Captured[],
  options: ReplayOptions = {},
): Promise<PluginInstance[]> {
  const instances: PluginInstance[] = [];
  for (const segment of processSegments(records)) {
    let clock = segment[0]?.ts ?? Date.now();
    const client = new CapturedClient(options.toasts);
    const instance = await createPluginInstance({
      client,
      env: options.env ?? TEST_ENV,
      options: options.options,
      exporters: options.exporters,
      ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      ...(options.directory ? { directory: options.directory } : {}),
      logSink: options.logSink ?? (() => undefined),
      now: () => clock,
      ...(options.historyTimeoutMs === undefined
        ? {}
        : { historyTimeoutMs: options.historyTimeoutMs }),
    });
    instances.push(instance);
    let disposed = false;
    for (const record of segment) {
      clock = record.ts || clock;
      if (record.hook === "event") void instance.hooks.event?.({ event: eventOf(record.input) });
      else if (record.hook === "chat.message")
        await instance.hooks["chat.message"]?.(record.input, record.output);
      else if (record.hook === "client.messages") {
        client.answer(record);
        // The answer reaches the plugin's fact queue on its own promise chain.
        await new Promise((resolve) => setImmediate(resolve));
      } else if (record.hook === "dispose") {
        disposed = true;
        await instance.hooks.dispose?.();
      }
    }
    client.close();
    if (!disposed && options.disposeAtEnd !== false) await instance.hooks.dispose?.();
  }
  return instances;
}

function eventOf(input: unknown): unknown {
  return typeof input === "object" && input !== null && "event" in input ? input.event : undefined;
}

import type { LogSink } from "../../src/log.js";
import { createPluginInstance, type PluginInstance } from "../../src/plugin.js";
import type { ExporterOverrides } from "../../src/sdk/telemetry.js";
import { type Captured, processSegments } from "./fixtures.js";

export const TEST_ENV = { OPENCODE_ENABLE_TELEMETRY: "1" } as const;

export interface ReplayOptions {
  readonly env?: Record<string, string | undefined>;
  readonly options?: unknown;
  readonly exporters?: ExporterOverrides;
  readonly logSink?: LogSink;
  /** opencode's working directory (the store's project). */
  readonly directory?: string;
  /** Call dispose at the end of each process segment even if the capture has none (serve). */
  readonly disposeAtEnd?: boolean;
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
    const instance = await createPluginInstance({
      env: options.env ?? TEST_ENV,
      options: options.options,
      exporters: options.exporters,
      logSink: options.logSink ?? (() => undefined),
      ...(options.directory ? { directory: options.directory } : {}),
      now: () => clock,
    });
    instances.push(instance);
    let disposed = false;
    for (const record of segment) {
      clock = record.ts || clock;
      if (record.hook === "event") void instance.hooks.event?.({ event: eventOf(record.input) });
      else if (record.hook === "chat.message")
        await instance.hooks["chat.message"]?.(record.input, record.output);
      else if (record.hook === "dispose") {
        disposed = true;
        await instance.hooks.dispose?.();
      }
    }
    if (!disposed && options.disposeAtEnd !== false) await instance.hooks.dispose?.();
  }
  return instances;
}

function eventOf(input: unknown): unknown {
  return typeof input === "object" && input !== null && "event" in input ? input.event : undefined;
}

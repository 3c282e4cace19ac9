/**
 * What every e2e file starts in `beforeAll`: the scripted model, a real OTLP receiver, and the
 * shared opencode HOME configured to use both.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Receiver, startOtlpReceiver, type Transport } from "../../support/otlp-receiver.js";
import { type MockModel, startMockModel } from "./mock-model.js";
import { configureHome, killAllOpencode, PACKAGE_DIR } from "./opencode.js";
import { processLabel } from "./telemetry.js";

export interface Suite {
  readonly model: MockModel;
  readonly receiver: Receiver;
  close(): Promise<void>;
}

export async function startSuite(): Promise<Suite> {
  if (!existsSync(join(PACKAGE_DIR, "dist/index.js"))) {
    throw new Error("dist/index.js is missing: run `npm run build` first");
  }
  const model = await startMockModel();
  const receiver = await startOtlpReceiver();
  configureHome(model);
  return {
    model,
    receiver,
    /** Also kills any opencode process a failed test left behind. */
    async close() {
      killAllOpencode();
      await Promise.allSettled([receiver.close(), model.close()]);
    },
  };
}

/**
 * Plugin settings for one opencode process: export to `endpoint` over `protocol`, label its
 * records with `e2e.process=<label>`, and make the periodic exports so rare that only the
 * plugin's own flushes can deliver: spans and logs at turn end, session deletion and dispose;
 * metrics at dispose only (they are cumulative and otherwise go on their interval, so a
 * long-running `serve` needs a short `metricsIntervalMs` to see them).
 */
export function telemetryEnv(options: {
  receiver: Receiver;
  protocol: Transport;
  label: string;
  /** Overrides the receiver's URL (a collector that is not up yet). */
  endpoint?: string;
  metricsIntervalMs?: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  const { receiver, protocol } = options;
  return {
    OPENCODE_OTLP_PROTOCOL: protocol,
    OPENCODE_OTLP_ENDPOINT:
      options.endpoint ?? (protocol === "grpc" ? receiver.grpcUrl : receiver.httpUrl),
    OPENCODE_OTLP_METRICS_INTERVAL: String(options.metricsIntervalMs ?? 600_000),
    OPENCODE_OTLP_LOGS_INTERVAL: "600000",
    ...processLabel(options.label),
    ...options.extra,
  };
}

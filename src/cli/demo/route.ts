/**
 * How the demo's telemetry reaches a store. `local`: the plugin's local exporter writes the store
 * itself (`OPENCODE_OTLP_PROTOCOL=local`). `otlp`: the plugin exports OTLP/HTTP to an in-process
 * `opencode-otel serve`, which writes the store. `auto` sets up both, into two stores, and shows
 * the local one when the plugin build has that exporter, else the received one: the demo works
 * with any build of the plugin, and says which path it showed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "../../store/index.js";
import { type RunningReceiver, startReceiver } from "../serve/receiver.js";
import { openStore, withStore } from "../store.js";

export type Via = "auto" | "local" | "otlp";

export interface Route {
  /** Plugin settings for opencode's environment. */
  readonly env: Record<string, string>;
  /** After opencode is done: the store that has the telemetry, and how it got there. */
  finish(): Promise<{ store: Store; path: string; how: string } | undefined>;
  close(): Promise<void>;
}

const EMPTY_ENV: Readonly<Record<string, string | undefined>> = {};

async function storeWithSpans(path: string): Promise<Store | undefined> {
  if (!existsSync(path)) return undefined;
  const store = await openStore(path, EMPTY_ENV, { create: false });
  if (withStore(store, () => store.count("spans")) > 0) return store;
  store.close();
  return undefined;
}

export async function openRoute(via: Via, dir: string): Promise<Route> {
  const localPath = join(dir, "telemetry.db");
  const receivedPath = join(dir, "received.db");
  let receiver: RunningReceiver | undefined;
  let received: Store | undefined;
  const env: Record<string, string> = { OPENCODE_ENABLE_TELEMETRY: "1" };
  if (via !== "otlp") {
    Object.assign(env, { OPENCODE_OTEL_LOCAL: "1", OPENCODE_OTEL_STORE: localPath });
    if (via === "local") env.OPENCODE_OTLP_PROTOCOL = "local";
  }
  if (via !== "local") {
    received = await openStore(receivedPath, EMPTY_ENV, { create: true });
    receiver = await startReceiver({
      sink: received,
      host: "127.0.0.1",
      httpPort: 0,
      grpcPort: undefined,
    });
    Object.assign(env, {
      OPENCODE_OTLP_PROTOCOL: "http/protobuf",
      OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
    });
  }
  const close = async () => {
    await receiver?.close();
    receiver = undefined;
    received?.close();
    received = undefined;
  };
  return {
    env,
    async finish() {
      await receiver?.close();
      receiver = undefined;
      const local = via === "otlp" ? undefined : await storeWithSpans(localPath);
      if (local) {
        await close();
        return { store: local, path: localPath, how: "the plugin's local exporter" };
      }
      if (!received || withStore(received, () => received?.count("spans") ?? 0) === 0)
        return undefined;
      const store = received;
      received = undefined;
      const note = via === "auto" ? " (this plugin build has no local exporter yet)" : "";
      return {
        store,
        path: receivedPath,
        how: `OTLP/HTTP to an in-process \`opencode-otel serve\`${note}`,
      };
    },
    close,
  };
}

import { homedir } from "node:os";
import type { Plugin, PluginModule } from "@opencode-ai/plugin";
import { createLazyHooks } from "./lazy.js";

export type { Config, ParsedConfig } from "./config/types.js";

/**
 * The opencode server plugin: OpenTelemetry traces, metrics and log events for every session.
 * Configure with `OPENCODE_*` / `OTEL_*` environment variables or plugin options in opencode.json.
 */
const server: Plugin = async (input, options) =>
  createLazyHooks({
    env: process.env,
    platform: process.platform,
    home: homeFolder(),
    options,
    client: input.client,
    directory: input.directory,
  });

/** `os.homedir()` throws when the user has no home entry; the config then falls back to `$HOME`. */
function homeFolder(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/**
 * opencode 1.18 looks for a default export `{ id, server }` first (a path plugin must name its
 * id). Without one it falls back to calling every export as a plugin factory, so this module
 * exports nothing else at runtime: a second export would be a second plugin instance, and a
 * non-function one would fail the load.
 */
const plugin: PluginModule = { id: "opencode-otel", server };

export default plugin;

import type { Plugin } from "@opencode-ai/plugin";
import { createPluginInstance } from "./plugin.js";

export { parseConfig } from "./config/parse.js";
export type { Config, ParsedConfig } from "./config/types.js";

/**
 * The opencode server plugin: OpenTelemetry traces, metrics and log events for every session.
 * Configure with `OPENCODE_*` / `OTEL_*` environment variables or plugin options in opencode.json.
 */
export const OpencodeOtelPlugin: Plugin = async (input, options) => {
  const { hooks } = await createPluginInstance({ env: process.env, options, client: input.client });
  return hooks;
};

export default OpencodeOtelPlugin;
export const server = OpencodeOtelPlugin;

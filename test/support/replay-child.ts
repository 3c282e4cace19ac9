// A stand-in for one opencode process: loads the BUILT plugin (dist/index.js) the way opencode
// does, replays one process segment of a capture through its hooks with the capture's pacing
// compressed, then ends exactly like `opencode run`: await dispose(), then process.exit().
// Usage: bun replay-child.mjs <capture.jsonl> <segment index> [--no-exit] [--twice]
import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { loadCaptureFile, processSegments } from "./fixtures.js";

const [file, segmentArg, ...flags] = process.argv.slice(2);
if (!file) throw new Error("usage: bun replay-child.ts <capture.jsonl> <segment> [flags]");
const segment = processSegments(loadCaptureFile(file))[Number(segmentArg ?? 0)] ?? [];

const listeners = () =>
  ["SIGTERM", "SIGINT", "exit", "beforeExit", "uncaughtException", "unhandledRejection"]
    .map((name) => process.listenerCount(name))
    .join(",");
const before = listeners();

const built: { default: unknown } = await import(
  new URL("../../dist/index.js", import.meta.url).href
);
// The plugin reads only `client` (for its log) from the input; an empty client logs nowhere.
const input: Pick<PluginInput, "directory"> & { client: object } = {
  client: {},
  directory: process.cwd(),
};
const instances = flags.includes("--twice") ? 2 : 1;
const hooksList: Hooks[] = [];
// opencode 1.18 calls `default.server(input, options)` for a module shaped `{ id, server }`.
const factory = (built.default as { server: (input: unknown, options: unknown) => Promise<Hooks> })
  .server;
for (let i = 0; i < instances; i++) hooksList.push(await factory(input, undefined));

for (const record of segment) {
  for (const hooks of hooksList) {
    // Captured payloads are opencode's own, replayed as they came.
    const event = (
      record.input as { event?: Parameters<NonNullable<Hooks["event"]>>[0]["event"] } | undefined
    )?.event;
    if (record.hook === "event" && event) void hooks.event?.({ event });
    else if (record.hook === "chat.message") {
      const chat = hooks["chat.message"] as ((a: unknown, b: unknown) => Promise<void>) | undefined;
      await chat?.(record.input, record.output);
    }
  }
}
for (const hooks of hooksList) await hooks.dispose?.();
process.stdout.write(
  `${JSON.stringify({ listenersBefore: before, listenersAfter: listeners() })}\n`,
);
if (!flags.includes("--no-exit")) process.exit(0);

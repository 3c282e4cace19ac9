// A stand-in for one opencode process: loads the BUILT plugin (dist/index.js) the way opencode
// does, replays one process segment of a capture through its hooks with the capture's pacing
// compressed, then ends exactly like `opencode run`: await dispose(), then process.exit().
// Usage: bun replay-child.mjs <capture.jsonl> <segment index> [--no-exit] [--twice]
import { readFileSync } from "node:fs";

const [file, segmentArg, ...flags] = process.argv.slice(2);
const records = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line));
const segments = [];
let current = [];
for (const record of records) {
  if (record.hook === "plugin.init" && current.some((r) => r.hook !== "runner.mark")) {
    segments.push(current);
    current = [];
  }
  current.push(record);
}
segments.push(current);
const segment = segments[Number(segmentArg ?? 0)] ?? [];

const listeners = () =>
  ["SIGTERM", "SIGINT", "exit", "beforeExit", "uncaughtException", "unhandledRejection"]
    .map((name) => process.listenerCount(name))
    .join(",");
const before = listeners();

const { default: plugin } = await import(new URL("../../dist/index.js", import.meta.url).href);
const instances = flags.includes("--twice") ? 2 : 1;
const hooksList = [];
for (let i = 0; i < instances; i++) hooksList.push(await plugin({ client: {}, directory: process.cwd() }, undefined));

for (const record of segment) {
  for (const hooks of hooksList) {
    if (record.hook === "event") void hooks.event?.({ event: record.input?.event });
    else if (record.hook === "chat.message") await hooks["chat.message"]?.(record.input, record.output);
  }
}
for (const hooks of hooksList) await hooks.dispose?.();
process.stdout.write(`${JSON.stringify({ listenersBefore: before, listenersAfter: listeners() })}\n`);
if (!flags.includes("--no-exit")) process.exit(0);

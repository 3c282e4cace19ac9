// A stand-in for one opencode process: loads the BUILT plugin (dist/index.js) the way opencode
// 1.18 does (`default.server(input, options)`), replays one process segment of a capture
// through its hooks, then ends exactly like `opencode run`: await dispose(), then
// process.exit().
//
// Usage: bun replay-child.ts <capture.jsonl> <segment index> [flags]
//   --no-exit        after dispose, let the process end by itself (proves nothing keeps it alive)
//   --twice          two plugin instances in one process
//   --from-seq N     replay only records with seq >= N (a later process of the same session)
//   --stop-at-seq N  after record N, print "ready" and hang (for SIGKILL)
//   --serve          no dispose: print "ready" and wait to be stopped by a signal (opencode serve)
//   --no-plugin      load nothing (the control run for exit-status comparisons)
//   --start-delay-ms N  wait N ms after the factory before replaying (the pipeline loads meanwhile)
//   --pace-ms N      wait N ms after each turn end (`session.idle`), as a host waits for its user
import type { Hooks } from "@opencode-ai/plugin";
import { loadCaptureFile, processSegments } from "./fixtures.js";

const [file, segmentArg, ...flags] = process.argv.slice(2);
if (!file) throw new Error("usage: bun replay-child.ts <capture.jsonl> <segment> [flags]");
const flagValue = (name: string) => {
  const index = flags.indexOf(name);
  return index < 0 ? undefined : Number(flags[index + 1]);
};
const fromSeq = flagValue("--from-seq") ?? 0;
const stopAtSeq = flagValue("--stop-at-seq");
const startDelayMs = flagValue("--start-delay-ms") ?? 0;
const paceMs = flagValue("--pace-ms") ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const segment = (processSegments(loadCaptureFile(file))[Number(segmentArg ?? 0)] ?? []).filter(
  (record) => record.seq >= fromSeq,
);

const listeners = () =>
  ["SIGTERM", "SIGINT", "exit", "beforeExit", "uncaughtException", "unhandledRejection"]
    .map((name) => process.listenerCount(name))
    .join(",");
const before = listeners();

const hooksList: Hooks[] = [];
if (!flags.includes("--no-plugin")) {
  const built: { default: unknown } = await import(
    new URL("../../dist/index.js", import.meta.url).href
  );
  const factory = (
    built.default as { server: (input: unknown, options: unknown) => Promise<Hooks> }
  ).server;
  // The plugin reads only `client` (for its log) from the input; an empty client logs nowhere.
  const input = { client: {}, directory: process.cwd() };
  const instances = flags.includes("--twice") ? 2 : 1;
  for (let i = 0; i < instances; i++) hooksList.push(await factory(input, undefined));
}

if (startDelayMs > 0) await sleep(startDelayMs);

function endsTurn(input: unknown): boolean {
  if (typeof input !== "object" || input === null || !("event" in input)) return false;
  const event = input.event;
  return (
    typeof event === "object" && event !== null && "type" in event && event.type === "session.idle"
  );
}

const hang = () => {
  process.stdout.write("ready\n");
  setInterval(() => undefined, 60_000);
};

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
  if (paceMs > 0 && endsTurn(record.input)) await sleep(paceMs);
  if (stopAtSeq !== undefined && record.seq >= stopAtSeq) {
    hang();
    break;
  }
}
if (stopAtSeq === undefined) {
  if (flags.includes("--serve")) hang();
  else {
    for (const hooks of hooksList) await hooks.dispose?.();
    process.stdout.write(
      `${JSON.stringify({ listenersBefore: before, listenersAfter: listeners() })}\n`,
    );
    if (!flags.includes("--no-exit")) process.exit(0);
  }
}

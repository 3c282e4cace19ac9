// One opencode process for the delivery tests: loads the BUILT plugin (dist/index.js) the way
// opencode 1.18 does, with a client whose `app.log` prints each diagnostic as a JSON line
// (`{"level","message"}`) on stdout, replays one process segment of a capture, then awaits
// dispose() and exits like `opencode run`.
//
// Usage: bun delivery-child.ts <capture.jsonl> <segment index> [--linger-ms N] [--pace-ms N]
//   --linger-ms N  after dispose, keep the process N ms longer (a host that goes on running)
//   --pace-ms N    wait N ms after each turn end (`session.idle`): each turn leaves on its own
import type { Hooks } from "@opencode-ai/plugin";
import { loadCaptureFile, processSegments } from "./fixtures.js";

const [file, segmentArg, ...flags] = process.argv.slice(2);
if (!file) throw new Error("usage: bun delivery-child.ts <capture.jsonl> <segment> [flags]");
const flagValue = (name: string) => {
  const index = flags.indexOf(name);
  return index < 0 ? 0 : Number(flags[index + 1]);
};
const lingerMs = flagValue("--linger-ms");
const paceMs = flagValue("--pace-ms");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const segment = processSegments(loadCaptureFile(file))[Number(segmentArg ?? 0)] ?? [];

const client = {
  app: {
    log(options: { body: { level: string; message: string } }) {
      const { level, message } = options.body;
      process.stdout.write(`${JSON.stringify({ level, message })}\n`);
      return Promise.resolve(true);
    },
  },
};

const built: { default: unknown } = await import(
  new URL("../../dist/index.js", import.meta.url).href
);
const factory = (built.default as { server: (input: unknown, options: unknown) => Promise<Hooks> })
  .server;
const hooks = await factory({ client, directory: process.cwd() }, undefined);

for (const record of segment) {
  // Captured payloads are opencode's own, replayed as they came.
  const event = (
    record.input as { event?: Parameters<NonNullable<Hooks["event"]>>[0]["event"] } | undefined
  )?.event;
  if (record.hook === "event" && event) void hooks.event?.({ event });
  else if (record.hook === "chat.message") {
    const chat = hooks["chat.message"] as ((a: unknown, b: unknown) => Promise<void>) | undefined;
    await chat?.(record.input, record.output);
  }
  if (paceMs > 0 && event?.type === "session.idle") await sleep(paceMs);
}
await hooks.dispose?.();
process.stdout.write(`${JSON.stringify({ level: "child", message: "disposed" })}\n`);
if (lingerMs > 0) await sleep(lingerMs);
process.exit(0);

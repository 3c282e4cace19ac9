/**
 * One plugin process writing to the local store, over and over: the captured multi-turn session
 * replayed through the real plugin with `OPENCODE_OTLP_PROTOCOL=local`, a fresh plugin instance
 * per replay, until `durationMs` has passed. Prints one JSON line: replays and spans written.
 *
 * Between replays it sleeps `pause ms`: a plugin process is mostly idle while its model thinks,
 * and a process replaying flat out would measure CPU starvation on a 2-core machine instead of
 * contention for the store.
 *
 * Usage: bun bench/store-writer.ts <store path> <duration ms> [pause ms]
 */

import { loadFixture } from "../test/support/fixtures.js";
import { Collected } from "../test/support/in-memory.js";
import { replay, TEST_ENV } from "../test/support/replay.js";

const [path, durationArg, pauseArg] = process.argv.slice(2);
const pauseMs = Number(pauseArg ?? 1000);
if (!path) throw new Error("usage: bun bench/store-writer.ts <store path> <duration ms>");
const deadline = Date.now() + Number(durationArg ?? 10_000);
const records = loadFixture("b2_multiturn_serve");
const env = { ...TEST_ENV, OPENCODE_OTLP_PROTOCOL: "local", OPENCODE_OTEL_STORE: path };
// The in-memory span exporter only counts what the plugin produced; the store gets the same.
const counted = new Collected();
let replays = 0;
let stop = false;
// The benchmark stops writers with SIGINT once its requests are done.
process.once("SIGINT", () => {
  stop = true;
});
process.stdout.write("ready\n");
while (!stop && Date.now() < deadline) {
  await replay(records, { env, exporters: { traces: counted.overrides().traces } });
  replays += 1;
  await Bun.sleep(pauseMs);
}
process.stdout.write(`${JSON.stringify({ replays, spans: counted.spans.length })}\n`);

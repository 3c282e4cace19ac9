/** Replays a captured opencode stream (a `.jsonl` from `test/fixtures/`) instead of a generated one. */

import { readFileSync } from "node:fs";
import type { Call } from "./generate.js";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The `event` and `chat.message` calls of a capture (`{seq, hook, input, output}` per line).
 * `copies` > 1 repeats it with every opencode id suffixed per copy (ids keep their order), so a
 * short capture becomes many independent sessions.
 */
export function loadCapture(path: string, copies = 1): Call[] {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
  const calls: Call[] = [];
  for (let copy = 0; copy < copies; copy++) {
    for (const line of lines) {
      const text =
        copies > 1
          ? line.replace(/\b((?:ses|msg|prt|evt|call)_[A-Za-z0-9]+)/g, `$1c${copy}`)
          : line;
      const record: unknown = JSON.parse(text);
      if (!isRecord(record)) continue;
      const input = record.input;
      if (record.hook === "event" && isRecord(input) && isRecord(input.event)) {
        const event = input.event;
        if (typeof event.type === "string" && isRecord(event.properties))
          calls.push({
            hook: "event",
            event: { id: String(event.id), type: event.type, properties: event.properties },
          });
      } else if (record.hook === "chat.message" && isRecord(input) && isRecord(record.output))
        calls.push({ hook: "chat.message", input, output: record.output });
    }
  }
  return calls;
}

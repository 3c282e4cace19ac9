/** The demo's progress line: what opencode is doing, from its `--format json` events. */
import { obj } from "../otlp/values.js";
import type { RunEvent } from "./opencode.js";

/** A short description of an event worth showing, or undefined to keep the previous one. */
export function describeEvent(event: RunEvent): string | undefined {
  const part = obj(event.part);
  switch (event.type) {
    case "step_start":
      return "model is answering";
    case "tool_use": {
      const input = obj(obj(part.state).input);
      const detail = input.command ?? input.filePath ?? input.description;
      return `ran ${String(part.tool)}${typeof detail === "string" ? ` (${detail})` : ""}`;
    }
    case "text":
      return "model replied";
    case "error":
      return "opencode reported an error (retrying)";
    default:
      return undefined;
  }
}

import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One captured hook call (see test/fixtures/README.md). */
export interface Captured {
  readonly seq: number;
  readonly ts: number;
  readonly hook: string;
  readonly input?: unknown;
  readonly output?: unknown;
}

export const FIXTURE_DIR = join(import.meta.dir, "../fixtures/opencode-1.18.33");

export const FIXTURES = [
  "a_single",
  "b1_multiturn_run",
  "b2_multiturn_serve",
  "c2_errors_serve",
  "d_subagent_serve",
  "e_abort_serve",
  "f_lines_run",
  "g_git_run",
  "h_compaction_serve",
  "i_subagent_lines_serve",
  "j_lines_nogit_run",
  "k_autocompaction_serve",
  "l_dispose_serve",
  "m_permissions_serve",
] as const;

export function loadFixture(name: string): Captured[] {
  return loadCaptureFile(join(FIXTURE_DIR, `${name}.jsonl`));
}

export function loadCaptureFile(path: string): Captured[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Captured);
}

/** Splits a capture into process segments (b1 has three: run, run --session, run --continue). */
export function processSegments(records: readonly Captured[]): Captured[][] {
  const segments: Captured[][] = [];
  let current: Captured[] = [];
  for (const record of records) {
    if (record.hook === "plugin.init" && current.some((r) => r.hook !== "runner.mark")) {
      segments.push(current);
      current = [];
    }
    current.push(record);
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Ground truth computed straight from a capture: each assistant message's final tokens and cost. */
export function expectedTotals(
  records: readonly Captured[],
): Map<string, { tokens: number; cost: number }> {
  const messages = new Map<string, { session: string; tokens: number; cost: number }>();
  for (const record of records) {
    if (record.hook !== "event" || !isObj(record.input)) continue;
    const event = record.input.event;
    if (!isObj(event) || event.type !== "message.updated" || !isObj(event.properties)) continue;
    const info = event.properties.info;
    if (!isObj(info) || info.role !== "assistant") continue;
    const tokens = isObj(info.tokens) ? info.tokens : {};
    const cache = isObj(tokens.cache) ? tokens.cache : {};
    const n = (v: unknown) => (typeof v === "number" ? v : 0);
    messages.set(String(info.id), {
      session: String(info.sessionID),
      tokens:
        n(tokens.input) + n(tokens.output) + n(tokens.reasoning) + n(cache.read) + n(cache.write),
      cost: n(info.cost),
    });
  }
  const totals = new Map<string, { tokens: number; cost: number }>();
  for (const message of messages.values()) {
    const total = totals.get(message.session) ?? { tokens: 0, cost: 0 };
    total.tokens += message.tokens;
    total.cost += message.cost;
    totals.set(message.session, total);
  }
  return totals;
}

/** What git and opencode said about a newer capture (`<name>.truth.json`, see ../fixtures/README.md). */
export function loadTruth(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.truth.json`), "utf8"));
}

const EDIT_TOOLS = new Set(["edit", "write", "patch", "multiedit", "apply_patch"]);

/** Every file-editing call in a capture that got past `pending`, as opencode reported it. */
export function editCalls(records: readonly Captured[]) {
  const calls = new Map<string, { tool: string; file: string; status: string; asked: boolean }>();
  const asked = new Set<string>();
  for (const record of records) {
    if (record.hook !== "event" || !isObj(record.input) || !isObj(record.input.event)) continue;
    const { type, properties } = record.input.event;
    if (!isObj(properties)) continue;
    if (type === "permission.asked" && isObj(properties.tool))
      asked.add(`${properties.sessionID}/${properties.tool.callID}`);
    const part = properties.part;
    if (type !== "message.part.updated" || !isObj(part) || part.type !== "tool") continue;
    const state = part.state;
    if (!isObj(state) || state.status === "pending" || !EDIT_TOOLS.has(String(part.tool))) continue;
    const input = isObj(state.input) ? state.input : {};
    // Call ids are the model's (`call_2`): unique within a session only.
    calls.set(`${part.sessionID}/${part.callID}`, {
      tool: String(part.tool),
      file: String(input.filePath),
      status: String(state.status),
      asked: false,
    });
  }
  for (const [callId, call] of calls) call.asked = asked.has(callId);
  return [...calls.values()];
}

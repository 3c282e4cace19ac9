/**
 * One measured process: loads a plugin module the way opencode 1.18 does
 * (`default.server(input, options)`), feeds it a stream of hook calls, and prints one JSON line
 * with what it measured. `run.ts` starts one of these per run, for the built plugin and for the
 * no-op baseline alike, so both pay the same harness costs.
 *
 * Usage: bun bench/child.ts '<ChildSpec as JSON>'
 */
import { heapStats } from "bun:jsc";
import { readdirSync, readFileSync } from "node:fs";
import {
  type Call,
  createContext,
  endsTurn,
  generateCalls,
  generateSession,
  type StreamParams,
} from "./generate.js";

export type Scenario =
  /** Replay a stream, pausing `paceMs` after each turn; CPU of the replay and up to exit. */
  | "replay"
  /** Open sessions one after another (one turn each, then idle); heap after GC as they grow. */
  | "open-sessions"
  /** One session, many turns; heap after GC as it grows. */
  | "long-session"
  /** Import and factory only. */
  | "import";

export interface ChildSpec {
  readonly scenario: Scenario;
  readonly modulePath: string;
  /** Plugin options (opencode.json), e.g. `{ enabled: true, protocol, endpoint }`. */
  readonly options: Record<string, unknown>;
  /** The sink's `GET …/stats` URL for this run, to wait until exports have landed. */
  readonly statsUrl: string;
  readonly params: StreamParams;
  /** Pause after each turn (replay): a host waits for its user between turns. */
  readonly paceMs: number;
  /**
   * Wait this long after the factory before replaying (the plugin loads in the background
   * meanwhile; 0: replay at once, while it loads). Without it: wait until the process is idle.
   */
  readonly startDelayMs?: number;
  /** Replay: wait this long after the last turn before `dispose` (a reference run). */
  readonly endDelayMs?: number;
  /** Wait for exports to land every this many turns (or sessions); 0: never. */
  readonly drainEvery: number;
  /** Sessions (open-sessions) or turns (long-session) at which the heap is sampled. */
  readonly samples: readonly number[];
  /** Replay: also time each event type (wall clock, ~0.1 µs per call). */
  readonly breakdown?: boolean;
  /** Heap runs: also return per-class heap totals at the first and last sample. */
  readonly classes?: boolean;
}

export interface ChildResult {
  /** Wall time of `import()` plus the factory: what opencode waits for at startup. */
  readonly importMs: number;
  /** CPU (all threads) of `import()` plus the factory. */
  readonly importCpuMs: number;
  /**
   * The whole bill: CPU of every thread from the factory's return until the process is about
   * to exit (after `dispose`), background loading, exports and the harness's own work included.
   */
  readonly billCpuMs: number;
  /** The same, main thread only. */
  readonly billMainCpuMs: number;
  /** The bill by thread (from /proc on Linux; empty elsewhere). */
  readonly billThreads: Record<string, number>;
  /** CPU after the factory returned until the process went idle (a plugin loading lazily). */
  readonly settleCpuMs: number;
  readonly events: number;
  readonly turns: number;
  /** CPU (user + system, all threads) spent inside hook calls, summed over turns. */
  readonly replayCpuMs: number;
  /** The same, main thread only (the JS thread opencode's events run on). */
  readonly replayMainCpuMs: number;
  /** Replay CPU plus the CPU between turns and in `dispose()`: exports included, generation not. */
  readonly totalCpuMs: number;
  readonly disposeMs: number;
  /** `[x, live bytes after full GC]`: x is sessions or turns so far (JIT code excluded). */
  readonly heap: readonly (readonly [number, number])[];
  /** The same samples as JSC's `heapSize`, JIT code included (for comparison). */
  readonly heapRaw: readonly (readonly [number, number])[];
  /** With `classes`: bytes and cells per heap-snapshot class at the first and last sample. */
  readonly classes?: readonly Record<string, [number, number]>[];
  /** Replay with `breakdown`: wall time per event type (hook call and the microtasks it queued). */
  readonly byType?: Record<string, { calls: number; ms: number }>;
  /** Messages the plugin wrote to opencode's log (export failures would show here). */
  readonly diagnostics: readonly string[];
}

type Hook = (...args: unknown[]) => Promise<unknown>;
interface Hooks {
  readonly event: Hook | undefined;
  readonly chat: Hook | undefined;
  readonly dispose: Hook | undefined;
}

const spec: ChildSpec = JSON.parse(process.argv[2] ?? "{}");
const diagnostics: string[] = [];
// The plugin reads only `client` (for its log) from the input.
const client = {
  app: {
    log: async (message: { body?: { level?: string; message?: string } }) => {
      diagnostics.push(`${message.body?.level}: ${message.body?.message}`);
    },
  },
};

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// `process.threadCpuUsage` is Bun's (and Node 23.9+'s); Node 20's types do not know it.
const threadCpuUsage: unknown = Reflect.get(process, "threadCpuUsage");

/** CPU of the main (JS) thread only; all threads where the runtime cannot tell. */
const mainCpuMs = (): number => {
  if (typeof threadCpuUsage !== "function") return cpuMs();
  const usage: NodeJS.CpuUsage = Reflect.apply(threadCpuUsage, process, []);
  return (usage.user + usage.system) / 1000;
};

/** CPU by thread name (JIT workers, GC helpers, ...), from /proc on Linux; empty elsewhere. */
function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const task of readdirSync("/proc/self/task")) {
      const name = readFileSync(`/proc/self/task/${task}/comm`, "utf8").trim();
      const ns = Number(readFileSync(`/proc/self/task/${task}/schedstat`, "utf8").split(" ")[0]);
      const key = task === String(process.pid) ? "main" : name.replace(/\d+$/, "");
      out[key] = (out[key] ?? 0) + ns / 1e6;
    }
  } catch {
    // Not Linux: the breakdown is optional.
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function heapAfterGc(): number {
  Bun.gc(true);
  Bun.gc(true);
  return heapStats().heapSize;
}

/**
 * JSC's compiled code: code blocks for each tier (baseline, DFG, FTL) are heap cells that come
 * and go as functions warm up and are aged out over seconds. They are the engine's, not state
 * the plugin keeps, and in a replay compressed into seconds they look like growth per turn.
 */
const JIT_CODE = /CodeBlock|Executable$|ToCodeBlockEdge/;

interface HeapSample {
  readonly live: number;
  readonly raw: number;
  readonly classes: Record<string, [number, number]>;
}

/** Live bytes after a full GC, from a heap snapshot, with JIT code left out. */
function heapSample(): HeapSample {
  const raw = heapAfterGc();
  const snapshot: { nodes: number[]; nodeClassNames: string[] } = Bun.generateHeapSnapshot();
  const classes: Record<string, [number, number]> = {};
  let live = 0;
  // Nodes are flat quadruples: id, size, class name index, flags.
  for (let i = 0; i < snapshot.nodes.length; i += 4) {
    const size = snapshot.nodes[i + 1] ?? 0;
    const name = snapshot.nodeClassNames[snapshot.nodes[i + 2] ?? 0] ?? "?";
    const entry = classes[name] ?? [0, 0];
    entry[0] += size;
    entry[1] += 1;
    classes[name] = entry;
    if (!JIT_CODE.test(name)) live += size;
  }
  return { live, raw, classes };
}

/** Waits until the sink has seen no new request from this run for 40 ms. */
async function drain(): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 4) {
    await sleep(10);
    const response = await fetch(spec.statsUrl);
    const { requests } = (await response.json()) as { requests: number };
    quiet = requests === last ? quiet + 1 : 0;
    last = requests;
  }
}

function hookOf(hooks: unknown, name: string): Hook | undefined {
  if (typeof hooks !== "object" || hooks === null) return undefined;
  const hook: unknown = Reflect.get(hooks, name);
  return typeof hook === "function" ? (...args) => Reflect.apply(hook, hooks, args) : undefined;
}

async function load(): Promise<{ hooks: Hooks; importMs: number; importCpuMs: number }> {
  const started = performance.now();
  const startedCpu = cpuMs();
  const module: unknown = await import(spec.modulePath);
  const plugin: unknown =
    typeof module === "object" && module !== null ? Reflect.get(module, "default") : undefined;
  const server = hookOf(plugin, "server");
  if (!server) throw new Error(`${spec.modulePath}: no default { server }`);
  const hooks = await server({ client, directory: process.cwd() }, spec.options);
  const importMs = performance.now() - started;
  const importCpuMs = cpuMs() - startedCpu;
  return {
    importCpuMs,
    hooks: {
      event: hookOf(hooks, "event"),
      chat: hookOf(hooks, "chat.message"),
      dispose: hookOf(hooks, "dispose"),
    },
    importMs,
  };
}

/** Calls the hooks as opencode does: `event` is not awaited, `chat.message` is. */
async function dispatch(hooks: Hooks, call: Call): Promise<void> {
  if (call.hook === "event") void hooks.event?.({ event: call.event });
  else await hooks.chat?.(call.input, call.output);
}

/** The next turn's calls (up to and including its `session.idle`), or none at the end. */
function nextTurn(source: Iterator<Call>): Call[] {
  const batch: Call[] = [];
  for (let next = source.next(); !next.done; next = source.next()) {
    batch.push(next.value);
    if (endsTurn(next.value)) break;
  }
  return batch;
}

/**
 * Replays turn by turn: a turn's calls are made back to back (the replay window), then the
 * child sleeps `paceMs` as a host waits for its user (the export window: a turn-end flush does
 * its network work here).
 */
async function replay(hooks: Hooks, calls: readonly Call[]) {
  const source: Iterator<Call> = calls[Symbol.iterator]();
  let replayCpuMs = 0;
  let replayMainCpuMs = 0;
  let exportCpuMs = 0;
  let events = 0;
  let turns = 0;
  const byType: Record<string, { calls: number; ms: number }> = {};
  for (let batch = nextTurn(source); batch.length > 0; batch = nextTurn(source)) {
    const cpu = cpuMs();
    const main = mainCpuMs();
    for (const call of batch) {
      if (!spec.breakdown) {
        await dispatch(hooks, call);
        continue;
      }
      const before = performance.now();
      await dispatch(hooks, call);
      const type = call.hook === "event" ? call.event.type : call.hook;
      const entry = byType[type] ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += performance.now() - before;
      byType[type] = entry;
    }
    replayCpuMs += cpuMs() - cpu;
    replayMainCpuMs += mainCpuMs() - main;
    events += batch.length;
    const last = batch.at(-1);
    if (!last || !endsTurn(last)) continue;
    turns += 1;
    const idle = cpuMs();
    if (spec.paceMs > 0) await sleep(spec.paceMs);
    if (spec.drainEvery > 0 && turns % spec.drainEvery === 0) await drain();
    exportCpuMs += cpuMs() - idle;
  }
  if (spec.endDelayMs) await sleep(spec.endDelayMs);
  const disposeStart = performance.now();
  const disposeCpu = cpuMs();
  await hooks.dispose?.();
  exportCpuMs += cpuMs() - disposeCpu;
  const disposeMs = performance.now() - disposeStart;
  const totalCpuMs = replayCpuMs + exportCpuMs;
  const result = { events, turns, replayCpuMs, replayMainCpuMs, totalCpuMs, disposeMs };
  return spec.breakdown ? { ...result, byType } : result;
}

/** Heap samples while sessions (or turns of one session) accumulate. */
async function grow(hooks: Hooks, unit: "session" | "turn") {
  const ctx = createContext(spec.params);
  const heap: [number, number][] = [];
  const heapRaw: [number, number][] = [];
  const classes: Record<string, [number, number]>[] = [];
  const sample = async (x: number) => {
    await drain();
    const taken = heapSample();
    heap.push([x, taken.live]);
    heapRaw.push([x, taken.raw]);
    if (spec.classes) classes[classes.length === 0 ? 0 : 1] = taken.classes;
  };
  const last = Math.max(...spec.samples);
  let events = 0;
  let turns = 0;
  let count = 0;
  // Sessions: each generated session is one unit. Turns: one long session, counted by turn end.
  const stream =
    unit === "session"
      ? (function* () {
          for (let i = 0; i < last; i++) yield* generateSession(ctx, spec.params.turnsPerSession);
        })()
      : generateSession(ctx, last);
  const sessionsSoFar = () => Math.floor(turns / spec.params.turnsPerSession);
  if (spec.samples.includes(0)) await sample(0);
  for (const call of stream) {
    await dispatch(hooks, call);
    events += 1;
    if (!endsTurn(call)) continue;
    turns += 1;
    const next = unit === "session" ? sessionsSoFar() : turns;
    if (next === count) continue;
    count = next;
    if (spec.samples.includes(count)) await sample(count);
    else if (spec.drainEvery > 0 && count % spec.drainEvery === 0) await drain();
  }
  await hooks.dispose?.();
  return { events, turns, heap, heapRaw, ...(spec.classes ? { classes } : {}) };
}

/**
 * A plugin may return its hooks at once and finish loading in the background. Waits until the
 * process is idle (under 1 ms of CPU in each of three 20 ms windows, 5 s at most), so replay
 * figures do not include that load, and returns the CPU it took.
 */
async function settle(): Promise<number> {
  const start = cpuMs();
  const deadline = performance.now() + 5000;
  let last = start;
  let quiet = 0;
  while (quiet < 3 && performance.now() < deadline) {
    await sleep(20);
    const now = cpuMs();
    quiet = now - last < 1 ? quiet + 1 : 0;
    last = now;
  }
  return last - start;
}

// A replay's calls are generated before the plugin loads: generating them is harness work, and
// doing it outside the measured window keeps it out of every bill and out of their noise.
const calls = spec.scenario === "replay" ? [...generateCalls(spec.params)] : [];
heapAfterGc();
const { hooks, importMs, importCpuMs } = await load();
const factoryCpu = cpuMs();
const factoryMain = mainCpuMs();
const factoryThreads = threadCpu();
const settleCpuMs =
  spec.startDelayMs === undefined
    ? await settle()
    : await sleep(spec.startDelayMs).then(() => cpuMs() - factoryCpu);
const base = {
  importMs,
  importCpuMs,
  settleCpuMs,
  events: 0,
  turns: 0,
  replayCpuMs: 0,
  replayMainCpuMs: 0,
  totalCpuMs: 0,
  disposeMs: 0,
};
type Measured = Omit<ChildResult, "billCpuMs" | "billMainCpuMs" | "billThreads">;
let result: Measured;
switch (spec.scenario) {
  case "replay":
    result = { ...base, ...(await replay(hooks, calls)), heap: [], heapRaw: [], diagnostics };
    break;
  case "open-sessions":
    result = { ...base, ...(await grow(hooks, "session")), diagnostics };
    break;
  case "long-session":
    result = { ...base, ...(await grow(hooks, "turn")), diagnostics };
    break;
  case "import":
    await hooks.dispose?.();
    result = { ...base, heap: [], heapRaw: [], diagnostics };
    break;
}
const exitThreads = threadCpu();
const billThreads: Record<string, number> = {};
for (const [name, ms] of Object.entries(exitThreads))
  billThreads[name] = ms - (factoryThreads[name] ?? 0);
const billCpuMs = cpuMs() - factoryCpu;
const billMainCpuMs = mainCpuMs() - factoryMain;
process.stdout.write(
  `${JSON.stringify({ ...result, billCpuMs, billMainCpuMs, billThreads } satisfies ChildResult)}\n`,
);
// Like `opencode run`: dispose was awaited, then the process exits.
process.exit(0);

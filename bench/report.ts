/**
 * Turns the benchmark's raw runs into figures (medians over runs, the no-op baseline subtracted
 * within each round), checks them against the budgets, and renders the table.
 */
import type { ChildResult } from "./child.js";
import type { RunStats, Signal } from "./otlp-sink.js";
import { SIGNALS } from "./otlp-sink.js";
import type { Kind } from "./plugins.js";
import type { Plan, Stream } from "./run.js";
import { median, robustSlope, round } from "./stats.js";

export interface RunSample {
  readonly result: ChildResult;
  readonly stats: RunStats;
}

type Round = Partial<Record<Kind, RunSample>>;

export interface Raw {
  readonly bill: Record<Stream["name"], Round[]>;
  readonly short: { reference: RunSample | undefined; runs: RunSample[] };
  readonly openSessions: { otel: ChildResult[]; noop: ChildResult[] };
  readonly longSession: { otel: ChildResult[]; noop: ChildResult[] };
  readonly metricSizes: { sessions: number; bytes: number; requests: number }[];
  readonly importGrpc: number[];
}

/** One figure for the plugin and the baseline, and the difference that the budget is about. */
export interface Compared {
  readonly plugin: number;
  readonly noop: number;
  readonly over: number;
}

/** What one plugin sends per turn of a stream. */
export interface Bytes {
  /** Request bodies as sent (gzip), bytes per turn, all signals. */
  readonly wire: number;
  /** The same bodies decoded (the protobuf), bytes per turn. */
  readonly decoded: number;
  /** Requests per turn, per signal. */
  readonly requests: Record<Signal, number>;
}

export interface StreamFigures {
  readonly calls: number;
  readonly turns: number;
  /** Whole bill, ms of CPU per 1,000 hook calls: medians per kind, and over no-op. */
  readonly bill: Record<Kind, number>;
  readonly billOver: Record<PluginKind, number>;
  /** Median over rounds of (plugin − no-op) / (floor − no-op), both from the same round. */
  readonly ratio: number;
  readonly immediateRatio: number;
  /** Main thread only, over no-op. */
  readonly billMainOver: Record<PluginKind, number>;
  /** The bill over no-op by thread (ms per run, not per 1,000 calls). */
  readonly threadsOver: Record<PluginKind, Record<string, number>>;
  /** CPU during the 1.5 s after the factory (the background load), over no-op, ms. */
  readonly loadOver: Record<PluginKind, number>;
  /** CPU inside the hook calls, ms per 1,000 calls. */
  readonly hook: Record<Kind, number>;
  readonly hookOver: Record<PluginKind, number>;
  readonly bytes: Record<PluginKind, Bytes>;
  /** From a turn's end to the arrival of the request carrying its turn span, ms. */
  readonly delay: Record<
    "otel" | "immediate" | "floor",
    { median: number; p95: number; max: number }
  >;
}

export interface Summary {
  readonly streams: Record<Stream["name"], StreamFigures>;
  /** The short-run check: runs that delivered every span, log record and metric point. */
  readonly short: {
    readonly runs: number;
    readonly complete: number;
    readonly expected: { spans: number; logs: number; points: number };
    /** What the worst run missed. */
    readonly worst: { spans: number; logs: number; points: number };
  };
  /** KB (1,024 bytes) of live heap after a full GC; `raw*`: JSC's heapSize, JIT code included. */
  readonly heap: {
    perOpenSessionKB: Compared;
    perTurnKB: Compared;
    rawPerOpenSessionKB: Compared;
    rawPerTurnKB: Compared;
    /** The other method: heapSize at 4/10 minus at 1/10 of the sessions (400 vs 100), per session. */
    rawEndpointsPerSessionKB: Compared;
    /** heapSize slope over the second half of the sessions, once the code has warmed up. */
    rawLatePerSessionKB: Compared;
  };
  readonly metricExport: {
    readonly sizes: readonly { sessions: number; bytes: number }[];
    readonly growthPerSessionBytes: number;
  };
  readonly importMs: { httpProtobuf: Compared; grpc: number };
  readonly problems: readonly string[];
}

export interface Check {
  readonly figure: string;
  readonly value: number;
  readonly budget: number;
  readonly unit: string;
  readonly pass: boolean;
}

const KB = 1024;
type PluginKind = Exclude<Kind, "noop">;

/**
 * The "bytes per turn do not grow" budgets: at most the floor's bytes per turn on the sparse
 * stream in the same run (one request per signal per turn for both). The floor sends the same
 * records through the SDK's serializer and gzip, which is what the plugin sent before it had its
 * own pipeline, so the line moves with the telemetry itself (new attributes, new metrics) and
 * only the pipeline's own bytes are judged. Durations and timestamps vary a little, hence 1%.
 */
const BYTES_ALLOWANCE = 1.01;

const per1k = (ms: number, calls: number) => (ms / Math.max(1, calls)) * 1000;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

function streamFigures(rounds: readonly Round[]): StreamFigures {
  const pick = (kind: Kind, f: (s: RunSample) => number) =>
    rounds.flatMap((r) => {
      const sample = r[kind];
      return sample ? [f(sample)] : [];
    });
  const overPerRound = (kind: Kind, f: (s: RunSample) => number) =>
    rounds.flatMap((r) => {
      const sample = r[kind];
      const noop = r.noop;
      return sample && noop ? [f(sample) - f(noop)] : [];
    });
  const billOf = (s: RunSample) => per1k(s.result.billCpuMs, s.result.events);
  const mainOf = (s: RunSample) => per1k(s.result.billMainCpuMs, s.result.events);
  const hookOf = (s: RunSample) => per1k(s.result.replayCpuMs, s.result.events);
  const ratioOf = (kind: Kind) =>
    median(
      rounds.flatMap((r) => {
        const [p, f, n] = [r[kind], r.floor, r.noop];
        return p && f && n ? [(billOf(p) - billOf(n)) / (billOf(f) - billOf(n))] : [];
      }),
    );
  const byKind = <T>(f: (kind: PluginKind) => T): Record<PluginKind, T> => ({
    otel: f("otel"),
    immediate: f("immediate"),
    floor: f("floor"),
  });
  const threadsOver = (kind: Kind) => {
    const names = new Set(
      rounds.flatMap((r) =>
        Object.keys({ ...r[kind]?.result.billThreads, ...r.noop?.result.billThreads }),
      ),
    );
    const out: Record<string, number> = {};
    for (const name of names) {
      const value = median(overPerRound(kind, (s) => s.result.billThreads[name] ?? 0));
      // Thread names are what the kernel keeps (15 characters): "Bun Pool 3" becomes "Bun Pool".
      out[name.trim()] = round(value, 1);
    }
    return out;
  };
  const bytes = (kind: Kind): Bytes => {
    const perTurn = (f: (s: RunSample) => number) =>
      median(pick(kind, (s) => f(s) / Math.max(1, s.result.turns)));
    const all = (field: "bytes" | "decodedBytes") => (s: RunSample) =>
      SIGNALS.reduce((sum, signal) => sum + s.stats.signals[signal][field], 0);
    const requestsPerTurn = (signal: Signal) =>
      round(
        perTurn((s) => s.stats.signals[signal].requests),
        2,
      );
    return {
      wire: Math.round(perTurn(all("bytes"))),
      decoded: Math.round(perTurn(all("decodedBytes"))),
      requests: {
        traces: requestsPerTurn("traces"),
        metrics: requestsPerTurn("metrics"),
        logs: requestsPerTurn("logs"),
      },
    };
  };
  const delay = (kind: Kind) => {
    const delays = rounds.flatMap((r) => r[kind]?.stats.turnDelaysMs ?? []);
    return {
      median: round(median(delays), 0),
      p95: round(percentile(delays, 0.95), 0),
      max: round(Math.max(...delays), 0),
    };
  };
  const first = rounds[0]?.otel?.result;
  return {
    calls: first?.events ?? 0,
    turns: first?.turns ?? 0,
    bill: {
      noop: round(median(pick("noop", billOf)), 1),
      ...byKind((kind) => round(median(pick(kind, billOf)), 1)),
    },
    billOver: byKind((kind) => round(median(overPerRound(kind, billOf)), 1)),
    ratio: round(ratioOf("otel"), 3),
    immediateRatio: round(ratioOf("immediate"), 3),
    billMainOver: byKind((kind) => round(median(overPerRound(kind, mainOf)), 1)),
    threadsOver: byKind(threadsOver),
    loadOver: byKind((kind) => round(median(overPerRound(kind, (s) => s.result.settleCpuMs)), 1)),
    hook: {
      noop: round(median(pick("noop", hookOf)), 2),
      ...byKind((kind) => round(median(pick(kind, hookOf)), 2)),
    },
    hookOver: byKind((kind) => round(median(overPerRound(kind, hookOf)), 2)),
    bytes: byKind(bytes),
    delay: byKind(delay),
  };
}

function items(sample: RunSample) {
  return {
    spans: sample.stats.signals.traces.items,
    logs: sample.stats.signals.logs.items,
    points: sample.stats.signals.metrics.items,
  };
}

function compare(plugin: readonly number[], noop: readonly number[], digits = 2): Compared {
  const p = median(plugin);
  const n = median(noop);
  return { plugin: round(p, digits), noop: round(n, digits), over: round(p - n, digits) };
}

export function summarize(raw: Raw): Summary {
  const streams = {
    paced: streamFigures(raw.bill.paced),
    sparse: streamFigures(raw.bill.sparse),
  };

  const reference = raw.short.reference;
  const expected = reference ? items(reference) : { spans: 0, logs: 0, points: 0 };
  let complete = 0;
  const worst = { spans: 0, logs: 0, points: 0 };
  for (const run of raw.short.runs) {
    const got = items(run);
    const missing = {
      spans: expected.spans - got.spans,
      logs: expected.logs - got.logs,
      points: expected.points - got.points,
    };
    if (missing.spans === 0 && missing.logs === 0 && missing.points === 0) complete += 1;
    worst.spans = Math.max(worst.spans, missing.spans);
    worst.logs = Math.max(worst.logs, missing.logs);
    worst.points = Math.max(worst.points, missing.points);
  }

  const slopes = (results: readonly ChildResult[]) => results.map((r) => robustSlope(r.heap) / KB);
  // Open sessions: sampled every tenth; the first tenth is warm-up.
  const sessionSlopes = (results: readonly ChildResult[]) =>
    results.map((r) => robustSlope(r.heap.slice(1)) / KB);
  const lateSlopes = (results: readonly ChildResult[]) =>
    results.map((r) => robustSlope(r.heapRaw.slice(4)) / KB);
  const rawSlopes = (results: readonly ChildResult[]) =>
    results.map((r) => robustSlope(r.heapRaw) / KB);
  // The other method: two points only, 1/10 and 4/10 of the sessions, heapSize as JSC reports it.
  const endpoints = (results: readonly ChildResult[]) =>
    results.map((r) => {
      const a = r.heapRaw[0];
      const b = r.heapRaw[3];
      return a && b && b[0] > a[0] ? (b[1] - a[1]) / (b[0] - a[0]) / KB : Number.NaN;
    });
  const sizes = raw.metricSizes.map(({ sessions, bytes }) => ({ sessions, bytes }));
  const few = sizes[0];
  const many = sizes.at(-1);
  const growth =
    few && many && many.sessions > few.sessions
      ? (many.bytes - few.bytes) / (many.sessions - few.sessions)
      : Number.NaN;

  const problems = new Set<string>();
  const allOtel = [
    ...raw.bill.paced.flatMap((r) => (r.otel ? [r.otel] : [])),
    ...raw.bill.sparse.flatMap((r) => (r.otel ? [r.otel] : [])),
    ...raw.short.runs,
  ];
  for (const s of allOtel) {
    for (const line of s.result.diagnostics) problems.add(`plugin: ${line}`);
    for (const error of s.stats.errors) problems.add(`sink: ${error}`);
    if (s.stats.signals.traces.items === 0) problems.add("no span reached the receiver");
  }
  for (const kind of [raw.openSessions.otel, raw.longSession.otel])
    for (const r of kind) for (const line of r.diagnostics) problems.add(`plugin: ${line}`);
  if (!reference || expected.spans === 0) problems.add("the short-run reference sent nothing");

  const importOf = (kind: Kind) =>
    raw.bill.paced.flatMap((r) => {
      const sample = r[kind];
      return sample ? [sample.result.importMs] : [];
    });
  return {
    streams,
    short: { runs: raw.short.runs.length, complete, expected, worst },
    heap: {
      perOpenSessionKB: compare(
        sessionSlopes(raw.openSessions.otel),
        sessionSlopes(raw.openSessions.noop),
        3,
      ),
      perTurnKB: compare(slopes(raw.longSession.otel), slopes(raw.longSession.noop), 4),
      rawPerOpenSessionKB: compare(
        rawSlopes(raw.openSessions.otel),
        rawSlopes(raw.openSessions.noop),
        3,
      ),
      rawPerTurnKB: compare(rawSlopes(raw.longSession.otel), rawSlopes(raw.longSession.noop), 4),
      rawEndpointsPerSessionKB: compare(
        endpoints(raw.openSessions.otel),
        endpoints(raw.openSessions.noop),
        3,
      ),
      rawLatePerSessionKB: compare(
        lateSlopes(raw.openSessions.otel),
        lateSlopes(raw.openSessions.noop),
        3,
      ),
    },
    metricExport: { sizes, growthPerSessionBytes: round(growth, 2) },
    importMs: {
      httpProtobuf: compare(importOf("otel"), importOf("noop"), 1),
      grpc: round(median(raw.importGrpc), 1),
    },
    problems: [...problems].slice(0, 20),
  };
}

export function checksOf(summary: Summary): Check[] {
  const check = (figure: string, value: number, budget: number, unit: string): Check => ({
    figure,
    value,
    budget,
    unit,
    pass: Number.isFinite(value) && value <= budget,
  });
  const { paced, sparse } = summary.streams;
  return [
    check("whole bill over no-op / floor's, paced stream", paced.ratio, 0.5, "× the floor"),
    check("whole bill over no-op / floor's, sparse stream", sparse.ratio, 0.5, "× the floor"),
    check("hook path over no-op", paced.hookOver.otel, 3, "ms / 1,000 calls"),
    check(
      "wire bytes per turn, sparse stream",
      sparse.bytes.otel.wire,
      Math.round(sparse.bytes.floor.wire * BYTES_ALLOWANCE),
      "bytes",
    ),
    check(
      "decoded bytes per turn, sparse stream",
      sparse.bytes.otel.decoded,
      Math.round(sparse.bytes.floor.decoded * BYTES_ALLOWANCE),
      "bytes",
    ),
    // docs/DESIGN.md §7: handed to delivery 100 ms after the turn ends, plus the request (on a
    // loaded 2-core machine the receiver itself adds tens of ms).
    check("turn end to arrival, sparse stream, p95", sparse.delay.otel.p95, 400, "ms"),
    check(
      "short runs missing anything",
      summary.short.runs - summary.short.complete,
      0,
      `of ${summary.short.runs} runs`,
    ),
    check("heap per extra open session", summary.heap.perOpenSessionKB.over, 3, "KB"),
    check("heap growth per turn, one long session", summary.heap.perTurnKB.over, 0.05, "KB"),
    check(
      "metric export growth per session",
      summary.metricExport.growthPerSessionBytes,
      1,
      "bytes",
    ),
    check("module import + factory over no-op", summary.importMs.httpProtobuf.over, 60, "ms"),
  ];
}

const fmt = (value: number, digits = 2) =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a";

export function renderReport(
  summary: Summary,
  plan: Plan,
  environment: Record<string, unknown>,
): { table: string; checks: Check[]; failed: boolean } {
  const checks = checksOf(summary);
  const verdict = (figure: string) => {
    const c = checks.find((x) => x.figure === figure);
    return c ? `≤ ${fmt(c.budget)} ${c.unit}: ${c.pass ? "pass" : "**FAIL**"}` : "";
  };
  const { paced, sparse } = summary.streams;
  const { heap, metricExport: m, short } = summary;
  const dirty = Array.isArray(environment.dirty) ? environment.dirty.length : 0;
  const lines = [
    `opencode-otel benchmark (${plan.mode}): bun ${environment.bun}, ${environment.platform}, ${environment.cpus} × ${environment.cpu}`,
    ...(typeof environment.plugin === "string"
      ? [`measuring the build in ${environment.plugin} as opencode-otel`]
      : []),
    `commit ${environment.commit}${dirty > 0 ? ` + uncommitted changes (${dirty} files)` : ""}; ${environment.seconds} s; medians of ${plan.rounds} rounds, each running the no-op, opencode-otel, the floor and opencode-otel with an immediate turn flush`,
  ];
  for (const [stream, f] of [
    ["paced", paced],
    ["sparse", sparse],
  ] as const) {
    const s = plan.streams.find((x) => x.name === stream);
    lines.push(
      `${stream} stream: ${s?.params.sessions} sessions × ${s?.params.turnsPerSession} turns = ${fmt(f.calls)} hook calls, ${s?.gapMs} ms after each turn, started ${s?.startDelayMs} ms after the factory`,
    );
  }
  lines.push(
    "",
    "Whole bill: CPU of every thread from the factory's return to exit (background load, exports and dispose included), ms per 1,000 hook calls.",
    "",
    "| stream | no-op | opencode-otel | floor (stock SDK) | opencode-otel over no-op | floor over no-op | ratio | budget |",
    "|---|--:|--:|--:|--:|--:|--:|---|",
    `| paced | ${fmt(paced.bill.noop, 1)} | ${fmt(paced.bill.otel, 1)} | ${fmt(paced.bill.floor, 1)} | ${fmt(paced.billOver.otel, 1)} | ${fmt(paced.billOver.floor, 1)} | ${fmt(paced.ratio, 3)} | ${verdict("whole bill over no-op / floor's, paced stream")} |`,
    `| sparse | ${fmt(sparse.bill.noop, 1)} | ${fmt(sparse.bill.otel, 1)} | ${fmt(sparse.bill.floor, 1)} | ${fmt(sparse.billOver.otel, 1)} | ${fmt(sparse.billOver.floor, 1)} | ${fmt(sparse.ratio, 3)} | ${verdict("whole bill over no-op / floor's, sparse stream")} |`,
    "",
    "| figure | paced | sparse | budget |",
    "|---|--:|--:|---|",
    `| hook path over no-op (ms / 1,000 calls, inside the hook calls) | ${fmt(paced.hookOver.otel)} | ${fmt(sparse.hookOver.otel)} | ${verdict("hook path over no-op")} (paced) |`,
    `|   the floor's hook path over no-op | ${fmt(paced.hookOver.floor)} | ${fmt(sparse.hookOver.floor)} | |`,
    `| wire bytes per turn (gzip): opencode-otel / floor | ${fmt(paced.bytes.otel.wire)} / ${fmt(paced.bytes.floor.wire)} | ${fmt(sparse.bytes.otel.wire)} / ${fmt(sparse.bytes.floor.wire)} | ${verdict("wire bytes per turn, sparse stream")} (sparse) |`,
    `| decoded bytes per turn (protobuf): opencode-otel / floor | ${fmt(paced.bytes.otel.decoded)} / ${fmt(paced.bytes.floor.decoded)} | ${fmt(sparse.bytes.otel.decoded)} / ${fmt(sparse.bytes.floor.decoded)} | ${verdict("decoded bytes per turn, sparse stream")} (sparse) |`,
    `| requests per turn (traces + logs + metrics) | ${requests(paced.bytes.otel)} | ${requests(sparse.bytes.otel)} | |`,
    `| turn end → arrival, ms (median / p95 / max) | ${delays(paced.delay.otel)} | ${delays(sparse.delay.otel)} | ${verdict("turn end to arrival, sparse stream, p95")} (sparse p95) |`,
    `| immediate turn flush: bill over no-op / ratio | ${fmt(paced.billOver.immediate, 1)} / ${fmt(paced.immediateRatio, 3)} | ${fmt(sparse.billOver.immediate, 1)} / ${fmt(sparse.immediateRatio, 3)} | |`,
    `|   its requests per turn; turn end → arrival (ms) | ${requests(paced.bytes.immediate)}; ${delays(paced.delay.immediate)} | ${requests(sparse.bytes.immediate)}; ${delays(sparse.delay.immediate)} | |`,
    `| background load (CPU in the 1.5 s after the factory, ms): opencode-otel / floor | ${fmt(paced.loadOver.otel, 1)} / ${fmt(paced.loadOver.floor, 1)} | ${fmt(sparse.loadOver.otel, 1)} / ${fmt(sparse.loadOver.floor, 1)} | |`,
    "",
    "| figure | value | budget |",
    "|---|--:|---|",
    `| short runs delivering every span, log record and metric point (${fmt(short.expected.spans)} / ${fmt(short.expected.logs)} / ${fmt(short.expected.points)}) | ${short.complete} of ${short.runs}${short.complete < short.runs ? ` (worst run missed ${short.worst.spans} spans, ${short.worst.logs} log records, ${short.worst.points} points)` : ""} | ${verdict("short runs missing anything")} |`,
    `| heap per extra open session, idle, after GC, over no-op (KB) | ${fmt(heap.perOpenSessionKB.over, 3)} | ${verdict("heap per extra open session")} |`,
    `|   JSC's heapSize instead (JIT code included): ${plan.openSessions * 0.4} vs ${plan.openSessions * 0.1} sessions / slope over all / slope over the second half (KB) | ${fmt(heap.rawEndpointsPerSessionKB.over, 3)} / ${fmt(heap.rawPerOpenSessionKB.over, 3)} / ${fmt(heap.rawLatePerSessionKB.over, 3)} | |`,
    `| heap growth per turn, ${plan.longTurns}-turn session, over no-op (KB) | ${fmt(heap.perTurnKB.over, 4)} | ${verdict("heap growth per turn, one long session")} |`,
    `|   the same, JIT code included (KB) | ${fmt(heap.rawPerTurnKB.over, 4)} | |`,
    `| metric export after N sessions (bytes) | ${m.sizes.map((x) => `${fmt(x.sessions)}: ${fmt(x.bytes)}`).join(", ")} | |`,
    `| metric export growth per session (bytes) | ${fmt(m.growthPerSessionBytes)} | ${verdict("metric export growth per session")} |`,
    `| module import + factory over no-op, http/protobuf (ms) | ${fmt(summary.importMs.httpProtobuf.over, 1)} | ${verdict("module import + factory over no-op")} |`,
    `| module import + factory, grpc (ms) | ${fmt(summary.importMs.grpc, 1)} | |`,
  );
  const failed = checks.filter((c) => !c.pass);
  lines.push("");
  lines.push(
    failed.length === 0
      ? "All budgets met."
      : `Budgets missed: ${failed.map((c) => `${c.figure} (${fmt(c.value)} > ${fmt(c.budget)} ${c.unit})`).join("; ")}.`,
  );
  if (summary.problems.length > 0)
    lines.push(`Problems (the figures may be wrong): ${summary.problems.slice(0, 5).join(" | ")}`);
  return {
    table: lines.join("\n"),
    checks,
    failed: failed.length > 0 || summary.problems.length > 0,
  };
}

function requests(bytes: Bytes): string {
  const { traces, logs, metrics } = bytes.requests;
  return `${fmt(traces)} + ${fmt(logs)} + ${fmt(metrics)}`;
}

function delays(delay: { median: number; p95: number; max: number }): string {
  return `${fmt(delay.median, 0)} / ${fmt(delay.p95, 0)} / ${fmt(delay.max, 0)}`;
}

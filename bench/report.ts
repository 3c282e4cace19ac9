/**
 * Turns the benchmark's raw runs into figures (medians over runs, the no-op baseline
 * subtracted), checks them against the budget of issue 4, and renders the table.
 */
import type { ChildResult } from "./child.js";
import type { RunStats, Signal } from "./otlp-sink.js";
import { SIGNALS } from "./otlp-sink.js";
import type { Plan } from "./run.js";
import { median, robustSlope, round } from "./stats.js";

export interface RunSample {
  readonly result: ChildResult;
  readonly stats: RunStats;
}

export interface Raw {
  readonly replay: { otel: RunSample[]; noop: RunSample[] };
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

export interface Summary {
  readonly stream: { readonly source: string; readonly events: number; readonly turns: number };
  /** ms of CPU per 1,000 hook calls. */
  readonly cpu: { replay: Compared; replayMainThread: Compared; untilExit: Compared };
  /** KB (1,024 bytes) of live heap after a full GC, JIT code excluded; `raw*`: JSC's heapSize. */
  readonly heap: {
    perOpenSessionKB: Compared;
    perTurnKB: Compared;
    rawPerOpenSessionKB: Compared;
    rawPerTurnKB: Compared;
  };
  readonly metricExport: {
    readonly sizes: readonly { sessions: number; bytes: number }[];
    readonly growthPerSessionBytes: number;
  };
  /** OTLP/HTTP protobuf request bytes per turn, by signal. */
  readonly bytesPerTurn: Record<Signal | "total", number> & {
    requestsPerTurn: number;
    /** The same requests gzipped: what `compression: gzip` would send. */
    gzipTotal: number;
  };
  /** Where the bytes of a turn go (`otlp-wire.ts` categories), largest first. */
  readonly bytesByCategory: readonly { readonly what: string; readonly perTurn: number }[];
  readonly largestSpan: { readonly bytes: number; readonly name: string };
  readonly importMs: { httpProtobuf: Compared; grpc: Compared };
  /** CPU ms the plugin spends after its factory returned, loading in the background. */
  readonly settleCpuMs: Compared;
  /** Anything that makes the figures doubtful: plugin diagnostics, undecodable requests. */
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

function compare(
  plugin: readonly number[],
  noop: readonly number[],
  digits = 2,
  baseline = true,
): Compared {
  const p = median(plugin);
  const n = baseline ? median(noop) : 0;
  return { plugin: round(p, digits), noop: round(n, digits), over: round(p - n, digits) };
}

const per1k = (ms: number, events: number) => (ms / events) * 1000;

export function summarize(raw: Raw, plan: Plan, capture: string | undefined): Summary {
  const { otel, noop } = raw.replay;
  const first = otel[0]?.result;
  const events = first?.events ?? 0;
  const turns = first?.turns ?? 0;
  const cpu = (pick: (r: ChildResult) => number) =>
    compare(
      otel.map((s) => per1k(pick(s.result), s.result.events)),
      noop.map((s) => per1k(pick(s.result), s.result.events)),
    );

  const perTurn = (signal: Signal) =>
    median(otel.map((s) => s.stats.signals[signal].bytes / Math.max(1, s.result.turns)));
  const traces = perTurn("traces");
  const metrics = perTurn("metrics");
  const logs = perTurn("logs");
  const requestsPerTurn = median(
    otel.map(
      (s) =>
        SIGNALS.reduce((sum, signal) => sum + s.stats.signals[signal].requests, 0) /
        Math.max(1, s.result.turns),
    ),
  );

  const gzipTotal = median(
    otel.map(
      (s) =>
        SIGNALS.reduce((sum, signal) => sum + s.stats.signals[signal].gzipBytes, 0) /
        Math.max(1, s.result.turns),
    ),
  );
  const sample = otel[0];
  const bytesByCategory = sample
    ? Object.entries(sample.stats.breakdown)
        .map(([what, bytes]) => ({
          what,
          perTurn: round(bytes / Math.max(1, sample.result.turns), 1),
        }))
        .sort((a, b) => b.perTurn - a.perTurn)
    : [];

  let largestSpan = { bytes: 0, name: "" };
  for (const s of otel)
    if (s.stats.largestSpan.bytes > largestSpan.bytes) largestSpan = s.stats.largestSpan;

  const slopes = (results: readonly ChildResult[]) => results.map((r) => robustSlope(r.heap) / KB);
  const rawSlopes = (results: readonly ChildResult[]) =>
    results.map((r) => robustSlope(r.heapRaw) / KB);
  const sizes = raw.metricSizes.map(({ sessions, bytes }) => ({ sessions, bytes }));
  const few = sizes[0];
  const many = sizes.at(-1);
  const growth =
    few && many && many.sessions > few.sessions
      ? (many.bytes - few.bytes) / (many.sessions - few.sessions)
      : Number.NaN;

  const problems = new Set<string>();
  for (const s of otel) {
    for (const line of s.result.diagnostics) problems.add(`plugin: ${line}`);
    for (const error of s.stats.errors) problems.add(`sink: ${error}`);
    if (s.stats.signals.traces.items === 0) problems.add("no span reached the receiver");
  }
  for (const kind of [raw.openSessions.otel, raw.longSession.otel])
    for (const r of kind) for (const line of r.diagnostics) problems.add(`plugin: ${line}`);

  return {
    stream: {
      source: capture
        ? `capture ${capture}`
        : `${plan.replay.sessions} sessions × ${plan.replay.turnsPerSession} turns × ${plan.replay.chunksPerReply} chunks × ${plan.replay.toolsPerTurn} tools`,
      events,
      turns,
    },
    cpu: {
      replay: cpu((r) => r.replayCpuMs),
      replayMainThread: cpu((r) => r.replayMainCpuMs),
      untilExit: cpu((r) => r.totalCpuMs),
    },
    heap: {
      perOpenSessionKB: compare(slopes(raw.openSessions.otel), slopes(raw.openSessions.noop), 3),
      perTurnKB: compare(slopes(raw.longSession.otel), slopes(raw.longSession.noop), 4),
      rawPerOpenSessionKB: compare(
        rawSlopes(raw.openSessions.otel),
        rawSlopes(raw.openSessions.noop),
        3,
      ),
      rawPerTurnKB: compare(rawSlopes(raw.longSession.otel), rawSlopes(raw.longSession.noop), 4),
    },
    metricExport: { sizes, growthPerSessionBytes: round(growth, 2) },
    bytesPerTurn: {
      traces: Math.round(traces),
      metrics: Math.round(metrics),
      logs: Math.round(logs),
      total: Math.round(traces + metrics + logs),
      requestsPerTurn: round(requestsPerTurn, 2),
      gzipTotal: Math.round(gzipTotal),
    },
    bytesByCategory,
    largestSpan,
    importMs: {
      httpProtobuf: compare(
        otel.map((s) => s.result.importMs),
        noop.map((s) => s.result.importMs),
        1,
      ),
      grpc: compare(
        raw.importGrpc,
        noop.map((s) => s.result.importMs),
        1,
      ),
    },
    settleCpuMs: compare(
      otel.map((s) => s.result.settleCpuMs),
      noop.map((s) => s.result.settleCpuMs),
      1,
    ),
    problems: [...problems],
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
  return [
    check("CPU over no-op, replay only", summary.cpu.replay.over, 3, "ms / 1,000 events"),
    check("heap per extra open session", summary.heap.perOpenSessionKB.over, 3, "KB"),
    check("heap growth per turn, one long session", summary.heap.perTurnKB.over, 0.05, "KB"),
    // Independent of the session count: a per-session series would add tens of bytes each.
    check(
      "metric export growth per session",
      summary.metricExport.growthPerSessionBytes,
      1,
      "bytes",
    ),
    check("OTLP bytes per turn (all signals)", summary.bytesPerTurn.total / KB, 4, "KB"),
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
  const { cpu, heap, bytesPerTurn: b, importMs, metricExport: m, largestSpan } = summary;
  const row = (figure: string, c: Compared, budget = "", digits = 2) =>
    `| ${figure} | ${fmt(c.plugin, digits)} | ${fmt(c.noop, digits)} | ${fmt(c.over, digits)} | ${budget} |`;
  const single = (figure: string, value: string, budget = "") =>
    `| ${figure} | ${value} | | | ${budget} |`;
  const lines = [
    `opencode-otel benchmark (${plan.mode}): bun ${environment.bun}, ${environment.platform}, ${environment.cpus} × ${environment.cpu}`,
    `commit ${environment.commit}${Array.isArray(environment.dirty) && environment.dirty.length > 0 ? ` + uncommitted src changes (${environment.dirty.length} files)` : ""}; ${environment.seconds} s`,
    `replay stream: ${summary.stream.source} = ${fmt(summary.stream.events)} hook calls, ${summary.stream.turns} turns; ` +
      `medians of ${plan.replayRuns} runs (heap: ${plan.heapRuns}); http/protobuf to a loopback receiver`,
    "",
    "| figure | plugin | no-op | over no-op | budget |",
    "|---|--:|--:|--:|---|",
    row(
      "CPU, replay only (ms / 1,000 events, all threads)",
      cpu.replay,
      verdict("CPU over no-op, replay only"),
    ),
    row("CPU, replay only, main thread (ms / 1,000 events)", cpu.replayMainThread),
    row("CPU, replay + export until exit (ms / 1,000 events)", cpu.untilExit),
    row(
      `heap per extra open session, idle, after GC (KB)`,
      heap.perOpenSessionKB,
      verdict("heap per extra open session"),
      3,
    ),
    row(
      `heap growth per turn, ${plan.longTurns}-turn session (KB)`,
      heap.perTurnKB,
      verdict("heap growth per turn, one long session"),
      4,
    ),
    row("  the same two, JIT code included: per session (KB)", heap.rawPerOpenSessionKB, "", 3),
    row("  per turn (KB)", heap.rawPerTurnKB, "", 4),
    single(
      "metric export after N sessions (bytes)",
      m.sizes.map((s) => `${fmt(s.sessions)}: ${fmt(s.bytes)}`).join(", "),
    ),
    single(
      "metric export growth per session (bytes)",
      fmt(m.growthPerSessionBytes),
      verdict("metric export growth per session"),
    ),
    single("OTLP bytes per turn: traces", fmt(b.traces)),
    single("OTLP bytes per turn: metrics", fmt(b.metrics)),
    single("OTLP bytes per turn: logs", fmt(b.logs)),
    single(
      "OTLP bytes per turn: total",
      `${fmt(b.total)} (${fmt(b.total / KB)} KB, ${fmt(b.requestsPerTurn)} requests)`,
      verdict("OTLP bytes per turn (all signals)"),
    ),
    single("  the same requests gzipped (bytes)", fmt(b.gzipTotal)),
    single("largest single span (bytes)", `${fmt(largestSpan.bytes)} (${largestSpan.name})`),
    row(
      "module import + factory, http/protobuf (ms)",
      importMs.httpProtobuf,
      verdict("module import + factory over no-op"),
      1,
    ),
    row("module import + factory, grpc (ms)", importMs.grpc, "", 1),
    row("CPU after the factory returned, until idle (ms)", summary.settleCpuMs, "", 1),
  ];
  const failed = checks.filter((c) => !c.pass);
  lines.push("");
  lines.push(
    failed.length === 0
      ? "All budgets met."
      : `Budgets broken: ${failed.map((c) => `${c.figure} (${fmt(c.value)} > ${fmt(c.budget)} ${c.unit})`).join("; ")}.`,
  );
  if (summary.problems.length > 0)
    lines.push(`Problems (the figures may be wrong): ${summary.problems.slice(0, 5).join(" | ")}`);
  return {
    table: lines.join("\n"),
    checks,
    failed: failed.length > 0 || summary.problems.length > 0,
  };
}

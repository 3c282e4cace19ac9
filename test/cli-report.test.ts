/**
 * `opencode-otel report`: formatting and table layout as data, and end to end through a real
 * store: for generated fixture sessions, every figure of `report --json` equals the sum of the
 * stored fixture data.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { runCli } from "../src/cli/cli.js";
import type { Io } from "../src/cli/io.js";
import { reportColumns } from "../src/cli/report/columns.js";
import {
  formatDuration,
  formatMoney,
  formatShare,
  formatTokens,
} from "../src/cli/report/format.js";
import { renderReport } from "../src/cli/report/render.js";
import { type Column, renderTable, truncate } from "../src/cli/report/table.js";
import { renderTree } from "../src/cli/trace/tree.js";
import {
  type Report,
  type ReportRow,
  type SpanNode,
  type SpanRow,
  Store,
} from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-cli-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[], columns?: number) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    columns,
    errIsTty: false,
    interrupted: new Promise(() => undefined),
    env: {},
  };
  return { code: await runCli(argv, io), out, err };
}

describe("number formatting", () => {
  test.each([
    [0, "$0"],
    [0.000756, "$0.0008"],
    [0.00001, "<$0.0001"],
    [0.5, "$0.5000"],
    [12.345, "$12.35"],
    [1234.5, "$1,235"],
  ])("money %p → %s", (usd, text) => expect(formatMoney(usd)).toBe(text));

  test.each([
    [0, "0"],
    [9999, "9,999"],
    [12_345, "12.3k"],
    [1_234_567, "1.23M"],
    [250_000_000, "250M"],
    [3_400_000_000, "3.40B"],
  ])("tokens %p → %s", (tokens, text) => expect(formatTokens(tokens)).toBe(text));

  test.each([
    [850, "850ms"],
    [1234, "1.2s"],
    [42_000, "42s"],
    [125_000, "2m05s"],
    [3_725_000, "1h02m"],
  ])("duration %pms → %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

  test("shares", () => {
    expect(formatShare(0.1667)).toBe("17%");
    expect(formatShare(0.042)).toBe("4.2%");
    expect(formatShare(0)).toBe("0%");
    expect(formatShare(0, false)).toBe("–");
  });
});

interface Line {
  key: string;
  a: number;
  b: number;
}
const columns: Column<Line>[] = [
  { header: "Key", align: "left", priority: -1, cell: (r) => r.key },
  { header: "Alpha", align: "right", priority: 0, cell: (r) => String(r.a) },
  { header: "Beta", align: "right", priority: 1, cell: (r) => String(r.b) },
];

describe("tables", () => {
  test("full width: aligned columns, a rule, and the totals row under a second rule", () => {
    const table = renderTable({
      columns,
      rows: [
        { key: "first", a: 1, b: 22 },
        { key: "second-key", a: 333, b: 4 },
      ],
      total: { key: "Total", a: 334, b: 26 },
      width: undefined,
    });
    expect(table.lines).toEqual([
      "Key         Alpha  Beta",
      "───────────────────────",
      "first           1    22",
      "second-key    333     4",
      "───────────────────────",
      "Total         334    26",
    ]);
    expect(table.hidden).toEqual([]);
  });

  test("narrow: long keys are cut with …, then the least important columns go", () => {
    const rows = [{ key: "a-very-long-session-identifier", a: 1, b: 2 }];
    expect(renderTable({ columns, rows, width: 22 }).lines[2]).toBe("a-very-l…      1     2");
    const narrow = renderTable({ columns, rows, width: 16 });
    expect(narrow.hidden).toEqual(["Beta"]);
    expect(narrow.lines[2]).toBe("a-very-l…      1");
  });

  test("every line fits any width the key's minimum allows (generated)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ maxLength: 60 }), a: fc.nat(), b: fc.integer() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 20, max: 200 }),
        (rows, width) => {
          const table = renderTable({ columns, rows, total: rows[0], width });
          for (const line of table.lines) expect(line.length).toBeLessThanOrEqual(width);
        },
      ),
    );
  });

  test("truncate", () => {
    expect(truncate("abcdef", 6)).toBe("abcdef");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });
});

const row = (key: string, figures: Partial<ReportRow> = {}): ReportRow => ({
  key,
  costUsd: 0,
  totalTokens: 0,
  inputTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheReadShare: 0,
  llmCalls: 0,
  turns: 0,
  sessions: 0,
  errors: 0,
  retries: 0,
  toolCalls: 0,
  toolSuccessRate: 0,
  toolP50Ms: 0,
  toolP95Ms: 0,
  linesAdded: 0,
  linesRemoved: 0,
  commits: 0,
  pullRequests: 0,
  ...figures,
});

describe("report rendering", () => {
  test("columns with nothing in them are left out; tool reports get tool columns", () => {
    const total = row("total", { reasoningTokens: 0, retries: 2 });
    const headers = reportColumns("model", total).map((c) => c.header);
    expect(headers).toContain("Retries");
    expect(headers).not.toContain("Reasoning");
    expect(reportColumns("tool", total).map((c) => c.header)).toEqual([
      "Tool",
      "Calls",
      "Tool OK",
      "p50",
      "p95",
      "Errors",
      "Sessions",
    ]);
  });

  test("per session, each title beside its id; total tokens always; commits and PRs when any", () => {
    const rows = [
      row("ses_a", { title: "Fix the login form", totalTokens: 1_500, linesAdded: 12, commits: 2 }),
      row("ses_b", { totalTokens: 20, pullRequests: 1 }),
    ];
    const total = row("total", { totalTokens: 1_520, linesAdded: 12, commits: 2, pullRequests: 1 });
    const text = renderReport({ query: { group: "session" }, rows, total }, undefined);
    const [, , header, , first, second, , totals] = text.split("\n");
    expect(header).toMatch(/^Session\s+Title\s+Cost\s+Tokens\s/);
    expect(header).toMatch(/\+Lines\s+Commits\s+PRs$/);
    expect(first).toMatch(/^ses_a\s+Fix the login form\s+\$0\s+1,500\s/);
    expect(first).toMatch(/\s12\s+2\s+0$/);
    expect(second).toMatch(/^ses_b\s+\$0\s+20\s/);
    expect(totals).toMatch(/^Total\s+\$0\s+1,520\s.*\s12\s+2\s+1$/);
    // No titles (another grouping, or none known): no column for them.
    const byModel = reportColumns("model", total, rows).map((c) => c.header);
    expect(byModel).not.toContain("Title");
    expect(reportColumns("session", row("total"), [row("ses_b")]).map((c) => c.header)).toEqual(
      expect.not.arrayContaining(["Title", "Commits", "PRs"]),
    );
  });

  test("a report as text: title, rows, totals; an empty one says so", () => {
    const report: Report = {
      query: { group: "model", since: new Date(2025, 0, 1).getTime() },
      rows: [
        row("claude", { costUsd: 1.5, llmCalls: 3, inputTokens: 12_000, totalTokens: 12_000 }),
      ],
      total: row("total", { costUsd: 1.5, llmCalls: 3, inputTokens: 12_000, totalTokens: 12_000 }),
    };
    const text = renderReport(report, 80);
    expect(text.split("\n")[0]).toBe("Usage per model, since 2025-01-01");
    expect(text).toContain("claude");
    expect(text).toMatch(/Total\s+\$1\.50\s+12\.0k/);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).toContain("hidden to fit the terminal");
    expect(renderReport({ ...report, rows: [] }, 80)).toContain("No telemetry in this range.");
  });
});

describe("trace tree", () => {
  const span = (
    name: string,
    ms: number,
    attributes: Record<string, unknown>,
    status = 0,
  ): SpanRow => ({
    traceId: "t".repeat(32),
    spanId: name,
    parentSpanId: "",
    name,
    kind: 1,
    startNs: 0n,
    endNs: BigInt(ms) * 1_000_000n,
    statusCode: status,
    statusMessage: status === 2 ? "aborted" : "",
    serviceName: "opencode",
    attributes,
    resource: {},
    events: [],
  });
  const node = (s: SpanRow, children: SpanNode[] = []): SpanNode => ({ span: s, children });

  test("names, durations and key attributes under box-drawing guides", () => {
    const tree = node(
      span("opencode.session", 4200, {
        "agent.name": "build",
        "session.total_tokens": 450,
        "session.total_cost_usd": 0.0023,
      }),
      [
        node(span("opencode.turn", 2100, { "turn.index": 1, "turn.total_tokens": 300 }), [
          node(
            span("opencode.llm", 800, {
              "gen_ai.request.model": "demo-model",
              "gen_ai.usage.input_tokens": 120,
              "gen_ai.usage.output_tokens": 30,
              "llm.cost.total": 0.00076,
              "llm.retries": 1,
            }),
          ),
          node(span("opencode.tool.bash", 150, { "tool.success": true, "tool.exit_code": 0 })),
        ]),
        node(span("opencode.turn", 900, { "turn.index": 2 }, 2)),
      ],
    );
    expect(renderTree([tree], undefined)).toEqual([
      "opencode.session  4.2s  agent build · 450 tok · $0.0023",
      "├─ opencode.turn  2.1s  #1 · 300 tok",
      "│  ├─ opencode.llm  800ms  demo-model · 120 in / 30 out · $0.0008 · 1 retry",
      "│  └─ opencode.tool.bash  150ms  ok · exit 0",
      "└─ opencode.turn  900ms  #2 · ERROR: aborted",
    ]);
    for (const line of renderTree([tree], 40)) expect(line.length).toBeLessThanOrEqual(40);
  });
});

/** Generated fixture sessions: what the plugin stores for sessions, turns, LLM and tool calls. */
interface Fixture {
  sessions: {
    id: string;
    day: number;
    turns: {
      llm: {
        model: string;
        prompt: number;
        cached: number;
        output: number;
        cost: number;
        retries: number;
      }[];
      tools: { name: string; ok: boolean; ms: number }[];
    }[];
  }[];
}

const fixtureArb: fc.Arbitrary<Fixture> = fc.record({
  sessions: fc.uniqueArray(
    fc.record({
      id: fc.stringMatching(/^ses_[a-z0-9]{6}$/),
      day: fc.integer({ min: 0, max: 3 }),
      turns: fc.array(
        fc.record({
          llm: fc.array(
            fc
              .record({
                model: fc.constantFrom("model-a", "model-b", "model-c"),
                cached: fc.nat(2000),
                fresh: fc.nat(50_000),
                output: fc.nat(4000),
                cost: fc.double({ min: 0, max: 2, noNaN: true }),
                retries: fc.nat(2),
              })
              .map(({ fresh, ...l }) => ({ ...l, prompt: fresh + l.cached })),
            { minLength: 1, maxLength: 4 },
          ),
          tools: fc.array(
            fc.record({
              name: fc.constantFrom("bash", "read", "edit"),
              ok: fc.boolean(),
              ms: fc.integer({ min: 1, max: 90_000 }),
            }),
            { maxLength: 4 },
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 5, selector: (s) => s.id },
  ),
});

const DAY0 = BigInt(new Date(2025, 2, 10, 9).getTime()) * 1_000_000n;
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

function fixtureSpans(fixture: Fixture): SpanRow[] {
  const spans: SpanRow[] = [];
  let next = 1;
  for (const [s, session] of fixture.sessions.entries()) {
    const traceId = hex(s + 1, 32);
    const start = DAY0 + BigInt(session.day) * 86_400_000_000_000n;
    const make = (
      name: string,
      parent: string,
      attributes: Record<string, unknown>,
      ms = 10,
      status = 0,
    ): string => {
      const spanId = hex(next++, 16);
      const at = start + BigInt(next) * 1_000_000n;
      spans.push({
        traceId,
        spanId,
        parentSpanId: parent,
        name,
        kind: 1,
        startNs: at,
        endNs: at + BigInt(ms) * 1_000_000n,
        statusCode: status,
        statusMessage: "",
        serviceName: "opencode",
        attributes: { "session.id": session.id, ...attributes },
        resource: { "service.name": "opencode" },
        events: [],
      });
      return spanId;
    };
    const root = make("opencode.session", "", {
      "openinference.span.kind": "AGENT",
      "agent.name": "build",
    });
    for (const [t, turn] of session.turns.entries()) {
      const turnId = make("opencode.turn", root, {
        "openinference.span.kind": "CHAIN",
        "turn.index": t + 1,
      });
      for (const l of turn.llm) {
        make("opencode.llm", turnId, {
          "openinference.span.kind": "LLM",
          "gen_ai.request.model": l.model,
          "gen_ai.usage.input_tokens": l.prompt,
          "gen_ai.usage.output_tokens": l.output,
          "llm.token_count.prompt_details.cache_read": l.cached,
          "llm.cost.total": l.cost,
          "llm.retries": l.retries,
        });
      }
      for (const tool of turn.tools) {
        make(
          `opencode.tool.${tool.name}`,
          turnId,
          {
            "openinference.span.kind": "TOOL",
            "gen_ai.tool.name": tool.name,
            "tool.success": tool.ok,
          },
          tool.ms,
          tool.ok ? 0 : 2,
        );
      }
    }
  }
  return spans;
}

/** Nearest-rank percentile, as the README documents for p50/p95. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)] ?? 0;
}

describe("report numbers are the sums of the stored data", () => {
  test("per model, per tool, per session, per day, and in total (generated sessions)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fixtureArb, async (fixture) => {
        const db = join(dir, `fixture-${run++}.db`);
        const store = await Store.open(db);
        store.insertSpans(fixtureSpans(fixture));
        store.close();
        const report = async (by: string): Promise<Report> => {
          const { code, out, err } = await cli(["report", "--db", db, "--by", by, "--json"]);
          expect(err).toBe("");
          expect(code).toBe(0);
          return JSON.parse(out);
        };
        const llms = fixture.sessions.flatMap((s) => s.turns.flatMap((t) => t.llm));
        const tools = fixture.sessions.flatMap((s) => s.turns.flatMap((t) => t.tools));
        const sum = <T>(items: T[], f: (item: T) => number) => items.reduce((a, i) => a + f(i), 0);

        const byModel = await report("model");
        for (const model of new Set(llms.map((l) => l.model))) {
          const mine = llms.filter((l) => l.model === model);
          const got = byModel.rows.find((r) => r.key === model);
          expect(got?.llmCalls).toBe(mine.length);
          expect(got?.costUsd).toBeCloseTo(
            sum(mine, (l) => l.cost),
            9,
          );
          expect(got?.inputTokens).toBe(sum(mine, (l) => l.prompt - l.cached));
          expect(got?.cacheReadTokens).toBe(sum(mine, (l) => l.cached));
          expect(got?.outputTokens).toBe(sum(mine, (l) => l.output));
          expect(got?.retries).toBe(sum(mine, (l) => l.retries));
        }
        const total = byModel.total;
        expect(total.llmCalls).toBe(llms.length);
        expect(total.costUsd).toBeCloseTo(
          sum(llms, (l) => l.cost),
          9,
        );
        expect(total.sessions).toBe(fixture.sessions.length);
        expect(total.turns).toBe(sum(fixture.sessions, (s) => s.turns.length));
        expect(total.toolCalls).toBe(tools.length);

        const byTool = await report("tool");
        for (const name of new Set(tools.map((t) => t.name))) {
          const mine = tools.filter((t) => t.name === name);
          const got = byTool.rows.find((r) => r.key === name);
          expect(got?.toolCalls).toBe(mine.length);
          expect(got?.toolSuccessRate).toBeCloseTo(
            mine.filter((t) => t.ok).length / mine.length,
            9,
          );
          expect(got?.toolP50Ms).toBeCloseTo(
            percentile(
              mine.map((t) => t.ms),
              50,
            ),
            6,
          );
          expect(got?.toolP95Ms).toBeCloseTo(
            percentile(
              mine.map((t) => t.ms),
              95,
            ),
            6,
          );
        }

        const bySession = await report("session");
        for (const session of fixture.sessions) {
          const mine = session.turns.flatMap((t) => t.llm);
          const got = bySession.rows.find((r) => r.key === session.id);
          expect(got?.costUsd).toBeCloseTo(
            sum(mine, (l) => l.cost),
            9,
          );
          expect(got?.turns).toBe(session.turns.length);
        }

        const byDay = await report("day");
        expect(byDay.rows.length).toBe(new Set(fixture.sessions.map((s) => s.day)).size);
        expect(sum([...byDay.rows], (r) => r.costUsd)).toBeCloseTo(total.costUsd, 9);
        expect(sum([...byDay.rows], (r) => r.llmCalls)).toBe(total.llmCalls);
        // The same total whatever the grouping.
        for (const other of [byTool, bySession, byDay]) expect(other.total).toEqual(total);
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  test("the table view of the same store has a totals row and fits the terminal", async () => {
    const db = join(dir, "table.db");
    const store = await Store.open(db);
    const [fixture] = fc.sample(fixtureArb, { numRuns: 1, seed: 42 });
    if (!fixture) throw new Error("no fixture");
    store.insertSpans(fixtureSpans(fixture));
    store.close();
    for (const width of [60, 100, 240]) {
      const { code, out } = await cli(["report", "--db", db, "--by", "model"], width);
      expect(code).toBe(0);
      expect(out).toMatch(/^Total\s+<?\$/m);
      for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(width);
    }
  });
});

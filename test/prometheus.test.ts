/**
 * The dashboards teams already run, against a real Prometheus: every capture is replayed through
 * the plugin and the real OpenTelemetry SDK under each profile, the recorded metrics are
 * translated by the OpenTelemetry → Prometheus rules and scraped by Debian's Prometheus, and
 * every PromQL query of the shipped dashboard and of two public Claude Code dashboards (copied
 * into test/fixtures/dashboards with their source) must return data.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { editCalls, FIXTURES, loadFixture, loadTruth } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import {
  expositionText,
  hasPrometheus,
  type Prometheus,
  prometheusUnit,
  startExposition,
  startPrometheus,
  withUnitSuffix,
} from "./support/prometheus.js";
import { replay } from "./support/replay.js";

const ROOT = join(import.meta.dir, "..");

interface QueryFile {
  readonly source: string;
  readonly promql: readonly { readonly panel: string; readonly expr: string }[];
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, path), "utf8"));
const publicDashboard = (name: string) => readJson(`test/fixtures/dashboards/${name}`) as QueryFile;

/** Every Prometheus target expression of a Grafana dashboard JSON. */
function dashboardQueries(path: string, type: string): { panel: string; expr: string }[] {
  const found: { panel: string; expr: string }[] = [];
  const dashboard = readJson(path) as {
    panels: { title: string; targets?: { expr?: string; datasource?: { type?: string } }[] }[];
  };
  for (const panel of dashboard.panels)
    for (const target of panel.targets ?? [])
      if (target.datasource?.type === type && target.expr)
        found.push({ panel: panel.title, expr: target.expr });
  return found;
}

/** Grafana's variables as an "All" selection over the last few minutes. */
function instantiate(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "15s")
    .replaceAll("$__range", "10m")
    .replace(/\$(organization|user|model|repo)\b/g, ".*");
}

describe("OpenTelemetry → Prometheus unit translation", () => {
  // The spec's examples: annotations dropped, UCUM words spelled out, custom units kept.
  test.each([
    ["claude_code.token.usage", "tokens", "counter", "claude_code_token_usage_tokens"],
    ["claude_code.cost.usage", "USD", "counter", "claude_code_cost_usage_USD"],
    ["claude_code.active_time.total", "s", "counter", "claude_code_active_time_seconds"],
    ["claude_code.session.count", "", "counter", "claude_code_session_count"],
    ["opencode.session.count", "{session}", "counter", "opencode_session_count"],
    ["opencode.tool.duration", "ms", "other", "opencode_tool_duration_milliseconds"],
    ["process.cpu.utilization", "1", "gauge", "process_cpu_utilization_ratio"],
    ["http.server.request.size", "By", "other", "http_server_request_size_bytes"],
    ["system.disk.io", "By", "counter", "system_disk_io_bytes"],
  ] as const)("%s [%s]", (name, unit, kind, expected) => {
    expect(withUnitSuffix(name, unit, kind)).toBe(expected);
  });

  test("speed units read per unit of time", () => {
    expect(prometheusUnit("m/s")).toBe("meters_per_second");
  });
});

describe.skipIf(!hasPrometheus)("a real Prometheus holds the replayed captures", () => {
  let prometheus: Prometheus;
  let closeExposition: () => Promise<void>;
  let work: string;
  const recorded: ResourceMetrics[] = [];

  async function replayAll(
    env: Record<string, string>,
    directory?: string,
  ): Promise<ResourceMetrics[]> {
    const collected = new Collected();
    for (const name of FIXTURES)
      await replay(loadFixture(name), {
        env,
        exporters: collected.overrides(),
        ...(directory ? { directory } : {}),
      });
    return collected.metrics;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "opencode-otel-prom-test-"));
    // A project with an `origin` remote (credentials in it, as people paste them) for `vcs.*`.
    const project = join(work, "home", "project");
    mkdirSync(join(project, ".git"), { recursive: true });
    writeFileSync(
      join(project, ".git", "config"),
      '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://bot:ghp_secret@github.com/Acme/Widgets.git\n',
    );
    const common = {
      OPENCODE_ENABLE_TELEMETRY: "1",
      HOME: join(work, "home"),
      XDG_STATE_HOME: join(work, "state"),
      TERM_PROGRAM: "vscode",
    };
    recorded.push(
      ...(await replayAll({ ...common, OPENCODE_METRIC_PREFIX: "claude_code." })),
      ...(await replayAll({ ...common, OTEL_METRICS_INCLUDE_REPOSITORY: "true" }, project)),
    );
    const exposition = await startExposition();
    closeExposition = exposition.close;
    // First the counters as they stood before the work (zero), then after it: `increase()` and
    // `rate()` need two samples of a series.
    exposition.text = expositionText(recorded, true);
    prometheus = await startPrometheus(exposition.target);
    await prometheus.scrapes(2);
    exposition.text = expositionText(recorded);
    await prometheus.scrapes(3);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.close();
    await closeExposition?.();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("metric names are the ones the public dashboards query", async () => {
    const { result } = await prometheus.query('count by (__name__) ({__name__=~"claude_code_.+"})');
    const names = result.map((sample) => sample.metric.__name__).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "claude_code_active_time_seconds_total",
        "claude_code_cost_usage_USD_total",
        "claude_code_session_count_total",
        "claude_code_token_usage_tokens_total",
      ]),
    );
  });

  test("the cost Prometheus holds is the cost the SDK recorded", async () => {
    const { result } = await prometheus.query("sum(claude_code_cost_usage_USD_total)");
    let expected = 0;
    for (const rm of recorded)
      for (const scope of rm.scopeMetrics)
        for (const metric of scope.metrics)
          if (metric.descriptor.name === "claude_code.cost.usage")
            for (const point of metric.dataPoints)
              if (typeof point.value === "number") expected += point.value;
    // Only the last snapshot of each process is served: the recorded list holds one per process.
    expect(expected).toBeGreaterThan(0);
    expect(Number(result[0]?.value[1])).toBeCloseTo(expected, 9);
  });

  test("session.id, terminal.type and vcs.* arrive as labels", async () => {
    const sessions = await prometheus.query(
      "count(count by (session_id) (claude_code_session_count_total))",
    );
    expect(Number(sessions.result[0]?.value[1])).toBeGreaterThan(1);
    const terminal = await prometheus.query(
      'count(claude_code_session_count_total{terminal_type="vscode"})',
    );
    expect(terminal.result.length).toBe(1);
    const repo = await prometheus.query(
      "count by (vcs_repository_url_full, vcs_owner_name, vcs_repository_name, vcs_provider_name) (opencode_cost_usage_USD_total)",
    );
    expect(repo.result.map((sample) => sample.metric)).toEqual([
      {
        vcs_repository_url_full: "https://github.com/acme/widgets",
        vcs_owner_name: "acme",
        vcs_repository_name: "widgets",
        vcs_provider_name: "github",
      },
    ]);
  });

  test("lines in Prometheus are git's numstat for each session, summed over its processes", async () => {
    const { result } = await prometheus.query(
      "sum by (session_id, type) (claude_code_lines_of_code_count_total)",
    );
    const held = (session: string, type: string) =>
      Number(
        result.find((s) => s.metric.session_id === session && s.metric.type === type)?.value[1] ??
          Number.NaN,
      );
    for (const name of ["f_lines_run", "i_subagent_lines_serve"]) {
      const truth = loadTruth(name) as {
        sessionId: string;
        numstat?: { added: number; removed: number };
        processes?: { numstat: { added: number; removed: number } }[];
      };
      const numstats = truth.processes?.map((p) => p.numstat) ?? [truth.numstat];
      let added = 0;
      let removed = 0;
      for (const numstat of numstats) {
        added += numstat?.added ?? Number.NaN;
        removed += numstat?.removed ?? Number.NaN;
      }
      expect(added).toBeGreaterThan(0);
      expect(held(truth.sessionId, "added")).toBe(added);
      // A type with no removed lines has no series: nothing was recorded.
      expect(removed === 0 ? 0 : held(truth.sessionId, "removed")).toBe(removed);
    }
  });

  test("edit decisions in Prometheus: one per edit call in the captures", async () => {
    let calls = 0;
    for (const name of FIXTURES) calls += editCalls(loadFixture(name)).length;
    const { result } = await prometheus.query(
      'sum(claude_code_code_edit_tool_decision_total{organization_id=~".*"})',
    );
    expect(calls).toBeGreaterThan(0);
    expect(Number(result[0]?.value[1])).toBe(calls);
    const sources = await prometheus.query(
      "sum by (source) (claude_code_code_edit_tool_decision_total)",
    );
    expect(sources.result.map((sample) => sample.metric.source).sort()).toEqual([
      "config",
      "user_permanent",
      "user_reject",
      "user_temporary",
    ]);
  });

  const sources = [
    ["grafana.com 25255", publicDashboard("grafana-25255-claude-code-metrics.json").promql],
    ["ColeMurray/claude-code-otel", publicDashboard("colemurray-claude-code-otel.json").promql],
    [
      "dashboards/grafana/opencode-metrics.json",
      dashboardQueries("dashboards/grafana/opencode-metrics.json", "prometheus"),
    ],
  ] as const;
  for (const [source, queries] of sources)
    describe(source, () => {
      test.each(queries.map((q) => [q.panel, q.expr] as const))("%s", async (_, expr) => {
        const { result, error } = await prometheus.query(instantiate(expr));
        expect(error).toBeUndefined();
        expect(result.length).toBeGreaterThan(0);
        for (const sample of result) expect(Number.isFinite(Number(sample.value[1]))).toBe(true);
      });
    });
});

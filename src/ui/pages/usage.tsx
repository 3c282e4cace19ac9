import { useMemo } from "preact/hooks";
import uPlot from "uplot";
import type { ReportRow, Usage } from "../../store/viewer-api-types.js";
import { api } from "../api.js";
import { Chart } from "../charts/chart.js";
import { bucketSeconds, stack, topNames } from "../charts/stack.js";
import { Filters } from "../components/filters.js";
import { Tile } from "../components/tile.js";
import { apiParams } from "../filters.js";
import { formatCount, formatDuration, formatMoney, formatShare, formatTokens } from "../format.js";
import { type Change, useLive } from "../live.js";
import { useData } from "../use-data.js";

const PALETTE = [
  "#5b8def",
  "#9b6bdf",
  "#2fa37a",
  "#e0913a",
  "#d6456e",
  "#3bb0c9",
  "#8a9a3a",
  "#b07050",
  "#9aa3b5",
];
const TOKEN_TYPES = [
  { label: "Input", color: "#5b8def", of: (r: ReportRow) => r.inputTokens },
  { label: "Output", color: "#9b6bdf", of: (r: ReportRow) => r.outputTokens },
  { label: "Reasoning", color: "#e0913a", of: (r: ReportRow) => r.reasoningTokens },
  { label: "Cache read", color: "#2fa37a", of: (r: ReportRow) => r.cacheReadTokens },
  { label: "Cache write", color: "#3bb0c9", of: (r: ReportRow) => r.cacheWriteTokens },
] as const;
const MAX_MODELS = 8;
/** Rows per table, by cost (the report lists them all). */
const TABLE_ROWS = 12;

const everyChange = (_: Change) => true;

export function UsagePage({ params }: { params: URLSearchParams }) {
  const query = apiParams(params, ["model"]);
  const usage = useData(query.toString(), () => api.usage(query));
  const facets = useData("facets", () => api.facets());
  // Reports cost more than a page of sessions: at most one refresh every 2 s while live.
  useLive(everyChange, usage.reload, 2000);
  const value = usage.value;
  return (
    <section class="page">
      <header class="page-head">
        <h1>Usage</h1>
        <Filters path="/usage" params={params} facets={facets.value} model />
      </header>
      {usage.error ? <p class="error">{usage.error}</p> : null}
      {value ? <UsageBody usage={value} /> : <p class="muted">Loading…</p>}
    </section>
  );
}

function UsageBody({ usage }: { usage: Usage }) {
  const total = usage.byTime.total;
  const charts = useMemo(() => chartsOf(usage), [usage]);
  const tokens =
    total.inputTokens +
    total.outputTokens +
    total.reasoningTokens +
    total.cacheReadTokens +
    total.cacheWriteTokens;
  return (
    <div class="usage">
      <dl class="tiles" data-testid="usage-totals">
        <Tile
          label="Cost"
          value={formatMoney(total.costUsd)}
          exact={total.costUsd}
          testid="total-cost"
        />
        <Tile label="Tokens" value={formatTokens(tokens)} exact={tokens} testid="total-tokens" />
        <Tile
          label="Cache read"
          value={formatShare(total.cacheReadShare, total.inputTokens + total.cacheReadTokens > 0)}
          exact={total.cacheReadShare}
          testid="total-cache"
        />
        <Tile
          label="LLM calls"
          value={formatCount(total.llmCalls)}
          exact={total.llmCalls}
          testid="total-llm-calls"
        />
        <Tile
          label="Turns"
          value={formatCount(total.turns)}
          exact={total.turns}
          testid="total-turns"
        />
        <Tile
          label="Sessions"
          value={formatCount(total.sessions)}
          exact={total.sessions}
          testid="total-sessions"
        />
        <Tile
          label="Errors"
          value={`${formatCount(total.errors)} (${formatShare(total.llmCalls ? total.errors / total.llmCalls : 0, total.llmCalls > 0)})`}
          exact={total.errors}
          bad={total.errors > 0}
          testid="total-errors"
        />
        <Tile
          label="Tool calls"
          value={formatCount(total.toolCalls)}
          exact={total.toolCalls}
          testid="total-tool-calls"
        />
        <Tile
          label="Tool success"
          value={formatShare(total.toolSuccessRate, total.toolCalls > 0)}
          exact={total.toolSuccessRate}
          testid="total-tool-success"
        />
      </dl>
      {usage.byTime.rows.length === 0 ? (
        <p class="empty">No telemetry in this range.</p>
      ) : (
        <div class="charts">
          <Chart title={`Cost per ${usage.group}, by model`} testid="chart-cost" {...charts.cost} />
          <Chart
            title={`Tokens per ${usage.group}, by type`}
            testid="chart-tokens"
            {...charts.tokens}
          />
          <Chart title="Cache-read share of prompt tokens" testid="chart-cache" {...charts.cache} />
          <Chart title="LLM error rate" testid="chart-errors" {...charts.errors} />
        </div>
      )}
      <div class="tables">
        <NamedTable
          title="Tools"
          testid="tools-table"
          rows={[...usage.byTool].sort((a, b) => b.toolCalls - a.toolCalls)}
          columns={[
            ["Calls", (r) => formatCount(r.toolCalls)],
            ["Success", (r) => formatShare(r.toolSuccessRate, r.toolCalls > 0)],
            ["p50", (r) => formatDuration(r.toolP50Ms)],
            ["p95", (r) => formatDuration(r.toolP95Ms)],
          ]}
        />
        <NamedTable
          title="Models"
          testid="models-table"
          rows={usage.byModel}
          columns={[
            ["Cost", (r) => formatMoney(r.costUsd)],
            ["Calls", (r) => formatCount(r.llmCalls)],
            ["Cached", (r) => formatShare(r.cacheReadShare, r.inputTokens + r.cacheReadTokens > 0)],
            ["Errors", (r) => formatCount(r.errors)],
          ]}
        />
        <NamedTable
          title="Agents"
          testid="agents-table"
          rows={usage.byAgent}
          columns={[
            ["Cost", (r) => formatMoney(r.costUsd)],
            ["Calls", (r) => formatCount(r.llmCalls)],
            ["Tools", (r) => formatCount(r.toolCalls)],
            ["Sessions", (r) => formatCount(r.sessions)],
          ]}
        />
      </div>
    </div>
  );
}

function NamedTable(props: {
  title: string;
  testid: string;
  rows: readonly ReportRow[];
  columns: readonly (readonly [string, (row: ReportRow) => string])[];
}) {
  return (
    <figure class="named-table" data-testid={props.testid}>
      <figcaption>{props.title}</figcaption>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            {props.columns.map(([label]) => (
              <th key={label} class="num">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.slice(0, TABLE_ROWS).map((row) => (
            <tr key={row.key}>
              <td>{row.key}</td>
              {props.columns.map(([label, cell]) => (
                <td key={label} class="num">
                  {cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.length > TABLE_ROWS ? (
        <p class="muted small">
          and {props.rows.length - TABLE_ROWS} more (all of them: <code>opencode-otel report</code>)
        </p>
      ) : null}
    </figure>
  );
}

type ChartProps = { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData };

const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 60] }) : undefined;

/** Half a bucket of room on each side, so one bucket is a bar and not the whole axis. */
function xScale(x: readonly number[]): uPlot.Scale {
  const gap = x.length > 1 ? ((x.at(-1) ?? 0) - (x[0] ?? 0)) / (x.length - 1) : 86_400;
  return { time: true, range: () => [(x[0] ?? 0) - gap / 2, (x.at(-1) ?? 0) + gap / 2] };
}

const fromZero: uPlot.Scale = { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] };

function stackedBars(
  x: number[],
  series: readonly { label: string; color: string; values: number[] }[],
  format: (value: number) => string,
): ChartProps {
  const totals = stack(series.map((s) => s.values));
  // Tallest first, so each lower series covers the part of it that is not its own.
  const order = series.map((_, i) => i).reverse();
  return {
    data: [x, ...order.map((i) => totals[i] ?? [])],
    options: {
      scales: { x: xScale(x), y: fromZero },
      axes: [{}, { values: (_u, values) => values.map(format), size: 70 }],
      series: [
        {},
        ...order.map((i) => {
          const s = series[i];
          return {
            label: s?.label ?? "",
            fill: s?.color ?? "#888",
            stroke: s?.color ?? "#888",
            width: 0,
            paths: bars,
            points: { show: false },
            // The legend shows the series' own value, not the running total.
            value: (_u: uPlot, _v: number, _s: number, index: number | null) =>
              index === null ? "–" : format(s?.values[index] ?? 0),
          };
        }),
      ],
    },
  };
}

function line(x: number[], label: string, color: string, values: number[]): ChartProps {
  const percent = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
  return {
    data: [x, values],
    options: {
      scales: { x: xScale(x), y: { range: [0, 1] } },
      axes: [{}, { values: (_u, values) => values.map(percent), size: 60 }],
      series: [
        {},
        {
          label,
          stroke: color,
          width: 2,
          points: { show: true },
          value: (_u: uPlot, v: number | null) => (v === null ? "–" : percent(v)),
        },
      ],
    },
  };
}

function chartsOf(usage: Usage) {
  const rows = usage.byTime.rows;
  const x = rows.map((row) => bucketSeconds(row.key));
  const costs = new Map(usage.modelCosts.map((bucket) => [bucket.key, bucket.costs]));
  const totals = new Map<string, number>();
  for (const bucket of usage.modelCosts)
    for (const [model, cost] of Object.entries(bucket.costs))
      totals.set(model, (totals.get(model) ?? 0) + cost);
  const { names, other } = topNames(totals, MAX_MODELS);
  const modelSeries = names.map((name, i) => ({
    label: name,
    color: PALETTE[i % PALETTE.length] ?? "#888",
    values: rows.map((row) => costs.get(row.key)?.[name] ?? 0),
  }));
  if (other)
    modelSeries.push({
      label: "other",
      color: "#c8ccd4",
      values: rows.map((row) => {
        const bucket = costs.get(row.key) ?? {};
        return Object.entries(bucket)
          .filter(([name]) => !names.includes(name))
          .reduce((sum, [, cost]) => sum + cost, 0);
      }),
    });
  return {
    cost: stackedBars(x, modelSeries, formatMoney),
    tokens: stackedBars(
      x,
      TOKEN_TYPES.map((type) => ({
        label: type.label,
        color: type.color,
        values: rows.map(type.of),
      })),
      formatTokens,
    ),
    cache: line(
      x,
      "Cache read",
      "#2fa37a",
      rows.map((row) => row.cacheReadShare),
    ),
    errors: line(
      x,
      "Errors / LLM calls",
      "#d64545",
      rows.map((row) => (row.llmCalls > 0 ? row.errors / row.llmCalls : 0)),
    ),
  };
}

/**
 * The usage page's charts as uPlot options and data: cost per bucket stacked by model, tokens
 * stacked by type, cache-read share and error rate as lines.
 */
import uPlot from "uplot";
import type { ReportRow, Usage } from "../../store/viewer-api-types.js";
import { formatMoney, formatTokens } from "../format.js";
import { bucketSeconds, stack, topNames } from "./stack.js";

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

/** Every chart of the usage page. */
export function chartsOf(usage: Usage) {
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

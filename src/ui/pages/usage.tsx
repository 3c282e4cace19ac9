import { useMemo } from "preact/hooks";
import type { ReportRow, Usage } from "../../store/viewer-api-types.js";
import { api } from "../api.js";
import { Chart } from "../charts/chart.js";
import { chartsOf } from "../charts/usage-charts.js";
import { Filters } from "../components/filters.js";
import { Tile } from "../components/tile.js";
import { apiParams } from "../filters.js";
import { formatCount, formatDuration, formatMoney, formatShare, formatTokens } from "../format.js";
import { type Change, useLive } from "../live.js";
import { useData } from "../use-data.js";

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
            ["Calls", (r) => formatCount(r.toolCalls), (r) => r.toolCalls],
            [
              "Success",
              (r) => formatShare(r.toolSuccessRate, r.toolCalls > 0),
              (r) => r.toolSuccessRate,
            ],
            ["p50", (r) => formatDuration(r.toolP50Ms), (r) => r.toolP50Ms],
            ["p95", (r) => formatDuration(r.toolP95Ms), (r) => r.toolP95Ms],
          ]}
        />
        <NamedTable
          title="Models"
          testid="models-table"
          rows={usage.byModel}
          columns={[
            ["Cost", (r) => formatMoney(r.costUsd), (r) => r.costUsd],
            ["Calls", (r) => formatCount(r.llmCalls), (r) => r.llmCalls],
            [
              "Cached",
              (r) => formatShare(r.cacheReadShare, r.inputTokens + r.cacheReadTokens > 0),
              (r) => r.cacheReadShare,
            ],
            ["Errors", (r) => formatCount(r.errors), (r) => r.errors],
          ]}
        />
        <NamedTable
          title="Agents"
          testid="agents-table"
          rows={usage.byAgent}
          columns={[
            ["Cost", (r) => formatMoney(r.costUsd), (r) => r.costUsd],
            ["Calls", (r) => formatCount(r.llmCalls), (r) => r.llmCalls],
            ["Tools", (r) => formatCount(r.toolCalls), (r) => r.toolCalls],
            ["Sessions", (r) => formatCount(r.sessions), (r) => r.sessions],
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
  /** Label, the text shown, and the exact figure (in `data-value`, for tests and scripts). */
  columns: readonly (readonly [string, (row: ReportRow) => string, (row: ReportRow) => number])[];
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
            <tr key={row.key} data-key={row.key}>
              <td>{row.key}</td>
              {props.columns.map(([label, cell, exact]) => (
                <td key={label} class="num" data-column={label} data-value={exact(row)}>
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

import { useCallback } from "preact/hooks";
import type { SessionListRow, SessionSort } from "../../store/viewer-api-types.js";
import { api } from "../api.js";
import { Filters } from "../components/filters.js";
import { apiParams, withParam } from "../filters.js";
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatMoney,
  formatShare,
  formatTokens,
  shortId,
} from "../format.js";
import { type Change, useLive } from "../live.js";
import { navigate, sessionPath } from "../router.js";
import { useData } from "../use-data.js";

const PAGE_SIZE = 50;

interface Column {
  readonly label: string;
  readonly sort?: SessionSort;
  readonly numeric?: boolean;
  readonly cell: (row: SessionListRow) => preact.ComponentChildren;
  readonly title?: string;
}

const COLUMNS: readonly Column[] = [
  {
    label: "Session",
    sort: "title",
    cell: (row) => (
      <a href={sessionPath(row.sessionId)} class="session-link">
        {row.parentSessionId ? <span class="subagent-mark">↳ </span> : null}
        {row.title || shortId(row.sessionId)}
        {row.title ? <span class="muted"> {shortId(row.sessionId)}</span> : null}
      </a>
    ),
  },
  {
    label: "Project",
    sort: "project",
    cell: (row) => <span title={row.project}>{tail(row.project)}</span>,
  },
  { label: "Agent", sort: "agent", cell: (row) => row.agent || "–" },
  {
    label: "Models",
    cell: (row) => (
      <span title={row.models.join(", ")}>
        {row.models.slice(0, 2).join(", ") || "–"}
        {row.models.length > 2 ? <span class="muted"> +{row.models.length - 2}</span> : null}
      </span>
    ),
  },
  {
    label: "Start",
    sort: "start",
    cell: (row) => (
      <time data-start={row.startMs} dateTime={new Date(row.startMs).toISOString()}>
        {formatDateTime(row.startMs)}
      </time>
    ),
  },
  {
    label: "Duration",
    sort: "duration",
    numeric: true,
    cell: (row) => formatDuration(row.endMs - row.startMs),
  },
  { label: "Turns", sort: "turns", numeric: true, cell: (row) => formatCount(row.turns) },
  { label: "LLM calls", sort: "llmCalls", numeric: true, cell: (row) => formatCount(row.llmCalls) },
  {
    label: "Tools",
    sort: "toolCalls",
    numeric: true,
    title: "Tool calls (failed)",
    cell: (row) =>
      row.toolFailures > 0 ? (
        <span>
          {formatCount(row.toolCalls)} <span class="bad">({row.toolFailures}✕)</span>
        </span>
      ) : (
        formatCount(row.toolCalls)
      ),
  },
  {
    label: "Errors",
    sort: "errors",
    numeric: true,
    title: "LLM calls that failed",
    cell: (row) => (row.errors ? <span class="bad">{formatCount(row.errors)}</span> : "0"),
  },
  {
    label: "Cost",
    sort: "cost",
    numeric: true,
    cell: (row) => (
      <span data-cost={String(row.costUsd)} data-session={row.sessionId}>
        {formatMoney(row.costUsd)}
      </span>
    ),
  },
  { label: "Tokens", sort: "tokens", numeric: true, cell: (row) => formatTokens(row.tokens) },
  {
    label: "Cached",
    sort: "cacheReadShare",
    numeric: true,
    title: "Share of prompt tokens read from the cache",
    cell: (row) => formatShare(row.cacheReadShare, row.inputTokens + row.cacheReadTokens > 0),
  },
  {
    label: "Lines",
    sort: "lines",
    numeric: true,
    title: "Lines added / removed, and commits and pull requests made",
    cell: (row) => (
      <span data-lines={`${row.linesAdded}/${row.linesRemoved}`} data-session={row.sessionId}>
        {row.linesAdded + row.linesRemoved > 0 ? (
          <>
            <span class="good">+{formatCount(row.linesAdded)}</span>{" "}
            <span class="bad">−{formatCount(row.linesRemoved)}</span>
          </>
        ) : (
          "–"
        )}
        {row.commits > 0 ? (
          <span class="muted">
            {" "}
            · {formatCount(row.commits)} commit{row.commits === 1 ? "" : "s"}
          </span>
        ) : null}
        {row.pullRequests > 0 ? (
          <span class="muted">
            {" "}
            · {formatCount(row.pullRequests)} PR{row.pullRequests === 1 ? "" : "s"}
          </span>
        ) : null}
      </span>
    ),
  },
];

function tail(path: string): string {
  const parts = path.split("/").filter(Boolean);
  return parts.length > 2 ? `…/${parts.slice(-2).join("/")}` : path || "–";
}

const everyChange = (_: Change) => true;

export function SessionsPage({ params }: { params: URLSearchParams }) {
  const page = Math.max(0, Number(params.get("page") ?? "0") || 0);
  const query = apiParams(params, ["model", "q"]);
  query.set("sort", params.get("sort") ?? "start");
  query.set("dir", params.get("dir") ?? "desc");
  query.set("offset", String(page * PAGE_SIZE));
  query.set("limit", String(PAGE_SIZE));
  const key = query.toString();
  const list = useData(key, () => api.sessions(query), params.has("q") ? 200 : 0);
  const facets = useData("facets", () => api.facets());
  const reload = useCallback(() => {
    list.reload();
    facets.reload();
  }, [list.reload, facets.reload]);
  useLive(everyChange, reload, 300);

  const sort = params.get("sort") ?? "start";
  const dir = params.get("dir") ?? "desc";
  const go = (next: URLSearchParams) => navigate(`/sessions?${next.toString()}`, true);
  const sortBy = (column: SessionSort) => {
    const next = withParam(params, "sort", column);
    next.set("dir", sort === column && dir === "desc" ? "asc" : "desc");
    go(next);
  };
  const data = list.value;
  const total = data?.total ?? 0;
  return (
    <section class="page">
      <header class="page-head">
        <h1>Sessions</h1>
        <Filters path="/sessions" params={params} facets={facets.value} model text />
      </header>
      {list.error ? <p class="error">{list.error}</p> : null}
      {data?.loading !== undefined ? (
        <p class="notice" data-testid="sessions-loading">
          Reading the store ({Math.floor(data.loading * 100)}%): the newest sessions are listed
          first, and older ones' figures are still being added. The page updates when it is done.
        </p>
      ) : null}
      <div class="table-wrap">
        <table class="sessions" aria-busy={list.loading}>
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th key={column.label} class={column.numeric ? "num" : ""} title={column.title}>
                  {column.sort ? (
                    <button
                      type="button"
                      class={`sort ${sort === column.sort ? `sorted ${dir}` : ""}`}
                      onClick={() => column.sort && sortBy(column.sort)}
                    >
                      {column.label}
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(data?.rows ?? []).map((row) => (
              <tr key={row.sessionId} data-session-row={row.sessionId}>
                {COLUMNS.map((column) => (
                  <td key={column.label} class={column.numeric ? "num" : ""}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.rows.length === 0 ? (
          <p class="empty">
            No sessions{total === 0 && params.toString() === "" ? " in the store yet" : " match"}.
            Run opencode with the plugin's local exporter (<code>OPENCODE_OTLP_PROTOCOL=local</code>
            ) and they appear here as they run.
          </p>
        ) : null}
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={page === 0}
          onClick={() => go(withParam(params, "page", String(page - 1)))}
        >
          ← Previous
        </button>
        <span data-testid="session-count">
          {total === 0
            ? "0 sessions"
            : `${formatCount(page * PAGE_SIZE + 1)}–${formatCount(Math.min(total, (page + 1) * PAGE_SIZE))} of ${formatCount(total)} sessions`}
        </span>
        <button
          type="button"
          disabled={(page + 1) * PAGE_SIZE >= total}
          onClick={() => go(withParam(params, "page", String(page + 1)))}
        >
          Next →
        </button>
      </nav>
    </section>
  );
}

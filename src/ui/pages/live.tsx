import { useRef } from "preact/hooks";
import { api } from "../api.js";
import { formatClock, formatDuration, formatMoney, formatTokens, shortId } from "../format.js";
import { type Change, useLive } from "../live.js";
import { sessionPath } from "../router.js";
import { useData } from "../use-data.js";

const everyChange = (_: Change) => true;

/**
 * What opencode is doing now: sessions active in the last 15 minutes and the spans as they reach
 * the store (newest first), updated as they arrive.
 */
export function LivePage() {
  const recent = useData("recent", () => api.recent());
  useLive(everyChange, recent.reload, 100);
  // Rows that arrived after the first answer are highlighted once.
  const seen = useRef<Set<string> | undefined>(undefined);
  const value = recent.value;
  const fresh = new Set<string>();
  if (value) {
    if (seen.current)
      for (const span of value.spans) if (!seen.current.has(span.spanId)) fresh.add(span.spanId);
    seen.current = new Set(value.spans.map((span) => span.spanId));
  }
  return (
    <section class="page">
      <header class="page-head">
        <h1>Live</h1>
        <p class="muted">Sessions active in the last 15 minutes, and spans as they are stored.</p>
      </header>
      {recent.error ? <p class="error">{recent.error}</p> : null}
      <div class="active" data-testid="active-sessions">
        {(value?.sessions ?? []).map((session) => (
          <a key={session.sessionId} class="card" href={sessionPath(session.sessionId)}>
            <strong>{session.title || shortId(session.sessionId)}</strong>
            <span class="muted small">
              {session.agent} · {session.models.join(", ")}
            </span>
            <span>
              {session.turns} turns · {session.llmCalls} calls · {formatMoney(session.costUsd)}
            </span>
          </a>
        ))}
        {value && value.sessions.length === 0 ? (
          <p class="muted">No session has written anything in the last 15 minutes.</p>
        ) : null}
      </div>
      <table class="feed" data-testid="live-feed">
        <thead>
          <tr>
            <th>Ended</th>
            <th>Session</th>
            <th>Span</th>
            <th class="num">Duration</th>
            <th class="num">Cost</th>
            <th class="num">Tokens</th>
          </tr>
        </thead>
        <tbody>
          {(value?.spans ?? []).map((span) => (
            <tr
              key={`${span.traceId}/${span.spanId}`}
              class={`${fresh.has(span.spanId) ? "fresh" : ""}${span.status === 2 ? " failed" : ""}`}
              data-span={span.spanId}
            >
              <td class="mono">{formatClock(span.endMs)}</td>
              <td>
                {span.sessionId ? (
                  <a href={sessionPath(span.sessionId, span)}>{shortId(span.sessionId)}</a>
                ) : (
                  "–"
                )}
              </td>
              <td>{span.name}</td>
              <td class="num">{formatDuration(span.endMs - span.startMs)}</td>
              <td class="num">{span.costUsd ? formatMoney(span.costUsd) : ""}</td>
              <td class="num">{span.tokens ? formatTokens(span.tokens) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

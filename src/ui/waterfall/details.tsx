import { api, type SpanJson } from "../api.js";
import { formatClock, formatDuration } from "../format.js";
import { sessionPath } from "../router.js";
import { useData } from "../use-data.js";

/**
 * Attributes the plugin fills with captured content (prompts, replies, tool arguments and
 * output) only when the user switched capture on; shown as text blocks rather than table cells.
 */
const CONTENT_KEYS = new Set([
  "input.value",
  "output.value",
  "tool.error",
  "gen_ai.prompt",
  "gen_ai.completion",
]);

const STATUS = ["unset", "ok", "error"];
const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"];

interface Props {
  readonly sessionId: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly onClose: () => void;
}

/** The selected span: timing, status, attributes, events, captured content and resource. */
export function SpanDetails({ sessionId, traceId, spanId, onClose }: Props) {
  const span = useData(`${traceId}/${spanId}`, () => api.span(traceId, spanId));
  const value = span.value;
  const link = `${location.origin}${sessionPath(sessionId, { traceId, spanId })}`;
  return (
    <aside class="details" aria-label="Span details" data-testid="span-details">
      <header>
        <h2>{value?.name ?? "Span"}</h2>
        <button type="button" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </header>
      {span.error ? <p class="error">{span.error}</p> : null}
      {value ? <Body span={value} link={link} /> : null}
    </aside>
  );
}

function Body({ span, link }: { span: SpanJson; link: string }) {
  const startMs = Number(BigInt(span.startNs) / 1000n) / 1000;
  const endMs = Number(BigInt(span.endNs) / 1000n) / 1000;
  const attributes = Object.entries(span.attributes).sort(([a], [b]) => (a < b ? -1 : 1));
  const content = attributes.filter(([key]) => CONTENT_KEYS.has(key));
  const plain = attributes.filter(([key]) => !CONTENT_KEYS.has(key));
  return (
    <div class="details-body">
      <dl class="facts">
        <dt>Started</dt>
        <dd>{formatClock(startMs)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(endMs - startMs)}</dd>
        <dt>Status</dt>
        <dd class={span.statusCode === 2 ? "bad" : ""}>
          {STATUS[span.statusCode] ?? span.statusCode}
          {span.statusMessage ? `: ${span.statusMessage}` : ""}
        </dd>
        <dt>Kind</dt>
        <dd>{KINDS[span.kind] ?? span.kind}</dd>
        <dt>Trace</dt>
        <dd class="mono">{span.traceId}</dd>
        <dt>Span</dt>
        <dd class="mono">{span.spanId}</dd>
        <dt>Link</dt>
        <dd>
          <a href={link} class="mono small" data-testid="span-link">
            {new URL(link).pathname}
          </a>
        </dd>
      </dl>
      {content.length > 0 ? (
        <section>
          <h3>Content</h3>
          {content.map(([key, value]) => (
            <div key={key} class="content">
              <div class="muted small">{key}</div>
              <pre>{typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre>
            </div>
          ))}
        </section>
      ) : null}
      <section>
        <h3>Attributes</h3>
        <Table entries={plain} />
      </section>
      {span.events.length > 0 ? (
        <section>
          <h3>Events</h3>
          {span.events.map((event, index) => (
            <div key={`${event.name}-${index}`} class="event">
              <div>
                <strong>{event.name}</strong>{" "}
                <span class="muted">
                  +{formatDuration(Number(BigInt(event.timeNs) / 1000n) / 1000 - startMs)}
                </span>
              </div>
              <Table entries={Object.entries(event.attributes)} />
            </div>
          ))}
        </section>
      ) : null}
      <section>
        <h3>Resource</h3>
        <Table entries={Object.entries(span.resource)} />
      </section>
    </div>
  );
}

function Table({ entries }: { entries: readonly (readonly [string, unknown])[] }) {
  if (entries.length === 0) return <p class="muted small">none</p>;
  return (
    <table class="attributes">
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th>{key}</th>
            <td>{typeof value === "string" ? value : JSON.stringify(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

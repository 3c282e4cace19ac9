/** The viewer's JSON API, typed by the store's own result types. */
import type {
  RecentSpan,
  SessionFacets,
  SessionListPage,
  SessionListRow,
  SpanRow,
  Usage,
  Waterfall,
  WaterfallWire,
} from "../store/viewer-api-types.js";
import { decodeWaterfall } from "../store/waterfall-wire.js";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function get<T>(path: string, params?: URLSearchParams): Promise<T> {
  const query = params?.toString();
  // Plain same-origin requests, so one the page preloaded is used as is.
  const response = await fetch(query ? `${path}?${query}` : path, { credentials: "same-origin" });
  if (!response.ok) {
    const text = await response.text();
    let message = text.trim() || response.statusText;
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === "object" && body !== null && "error" in body)
        message = String(body.error);
    } catch {
      // Not JSON: the text itself (a 401 says which URL to open).
    }
    throw new ApiError(message, response.status);
  }
  return (await response.json()) as T;
}

/** A span as JSON: its nanosecond times are strings. */
export type SpanJson = Omit<SpanRow, "startNs" | "endNs" | "events"> & {
  readonly startNs: string;
  readonly endNs: string;
  readonly events: readonly {
    name: string;
    timeNs: string;
    attributes: Readonly<Record<string, unknown>>;
  }[];
};

/**
 * An answer the server put in the page for its first view (a session page's spans), taken once:
 * later reads of the same URL (live updates) ask the server.
 */
export function takeInline<T>(url: string): T | undefined {
  const element = document.getElementById("viewer-data");
  if (!element || element.dataset.url !== url) return undefined;
  element.remove();
  try {
    return JSON.parse(element.textContent ?? "") as T;
  } catch {
    return undefined;
  }
}

const sessionUrl = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export type SessionData = { session: SessionListRow | null; waterfall: Waterfall };
type SessionWire = { session: SessionListRow | null; waterfall: WaterfallWire };

const sessionOf = (wire: SessionWire): SessionData => ({
  session: wire.session,
  waterfall: decodeWaterfall(wire.waterfall),
});

export const api = {
  sessions: (params: URLSearchParams) => get<SessionListPage>("/api/sessions", params),
  facets: () => get<SessionFacets>("/api/facets"),
  session: async (id: string) => sessionOf(await get<SessionWire>(sessionUrl(id))),
  inlineSession: (id: string) => {
    const wire = takeInline<SessionWire>(sessionUrl(id));
    return wire ? sessionOf(wire) : undefined;
  },
  span: (traceId: string, spanId: string) =>
    get<SpanJson>(`/api/spans/${encodeURIComponent(traceId)}/${encodeURIComponent(spanId)}`),
  usage: (params: URLSearchParams) => get<Usage>("/api/usage", params),
  recent: () => get<{ sessions: SessionListRow[]; spans: RecentSpan[] }>("/api/recent"),
  info: () => get<{ store: string; sessions: number }>("/api/info"),
};

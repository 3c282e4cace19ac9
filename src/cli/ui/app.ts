/**
 * The viewer's HTTP handler: the page, its assets and its JSON API, all behind the token. Used
 * by `opencode-otel ui` and, for every path that is not OTLP, by `opencode-otel serve`. The
 * store is the only data source.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type SessionIndex, SMALL_STORE_SPANS, type Store, StoreError } from "../../store/index.js";
import { encodeWaterfall } from "../../store/waterfall-wire.js";
import type { Assets } from "./assets.js";
import { checkRequest, loginCookie, type ViewerAuth } from "./auth.js";
import { SECURITY_HEADERS } from "./headers.js";
import { Live } from "./live.js";
import { BadQuery, sessionQueryOf, usageQueryOf } from "./query.js";

export interface ViewerOptions {
  readonly store: Store;
  readonly auth: ViewerAuth;
  readonly assets: Assets;
  /** How often open pages look for new rows; 500 ms keeps "appears within 2 s" with room. */
  readonly pollMs?: number;
  /** Stores with more spans are read in steps between requests (`SMALL_STORE_SPANS`). */
  readonly readAtOnceUpTo?: number;
  readonly onProblem?: (message: string) => void;
}

export interface Viewer {
  /** Answers one request (never throws; failures become 4xx/5xx). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

/** Pages of the single-page app; each serves the same document, which routes itself. */
const PAGE = /^\/(?:|sessions|usage|live|session\/[^/]+(?:\/span\/[0-9a-f]{32}\/[0-9a-f]{16})?)$/;
/** Sessions active this recently are "live". */
const ACTIVE_MS = 15 * 60_000;

export function createViewer(options: ViewerOptions): Viewer {
  const { store, auth, assets } = options;
  const onProblem = options.onProblem ?? (() => undefined);
  const index = store.sessionIndex();
  const live = new Live(index, options.pollMs ?? 500, onProblem);
  const reading = readSessions(index, live, options.readAtOnceUpTo ?? SMALL_STORE_SPANS, onProblem);
  return {
    handle(req, res) {
      try {
        route(req, res);
      } catch (error) {
        if (error instanceof BadQuery) return json(res, 400, { error: error.message });
        if (error instanceof StoreError) {
          onProblem(`store: ${error.message}`);
          return json(res, 503, { error: `the store could not be read: ${error.message}` });
        }
        onProblem(`viewer: ${String(error)}`);
        if (!res.headersSent) json(res, 500, { error: "internal error" });
        else res.end();
      }
    },
    close: () => {
      reading.stop();
      live.close();
    },
  };

  function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://viewer.invalid");
    const verdict = checkRequest(auth, req, url);
    if (verdict.kind === "denied") {
      res.writeHead(verdict.status, {
        ...SECURITY_HEADERS,
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        ...(verdict.status === 401 ? { "www-authenticate": "Bearer" } : {}),
      });
      return void res.end(
        `${verdict.reason}: open the URL that \`opencode-otel ui\` (or \`serve\`) printed\n`,
      );
    }
    if (verdict.kind === "login") {
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        location: verdict.location,
        "set-cookie": loginCookie(auth),
        "cache-control": "no-store",
      });
      return void res.end();
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...SECURITY_HEADERS, allow: "GET, HEAD" });
      return void res.end();
    }
    const path = url.pathname;
    if (path.startsWith("/api/")) return api(path.slice(5), url.searchParams, res);
    if (path.startsWith("/assets/")) {
      const asset = assets.files.get(decodeURIComponent(path.slice(8)));
      if (!asset) return notFound(res);
      // Named by a hash of their content: kept by the browser until an upgrade renames them.
      return send(res, 200, asset.type, asset.body, "private, max-age=31536000, immutable");
    }
    if (PAGE.test(path)) return page(path, req.method === "HEAD", res);
    notFound(res);
  }

  /**
   * The page. A session page also carries the session's data, so the browser needs no request
   * of its own for it: the head goes out at once (the browser asks for the script and the style
   * sheet), the spans are read while it does, and they follow at the end of the body, read by
   * the script when it runs (a module script runs once the document is complete).
   */
  function page(path: string, head: boolean, res: ServerResponse) {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": assets.page.type,
      "cache-control": "no-store",
    });
    const session = /^\/session\/([^/]+)/.exec(path)?.[1];
    if (head || !session) return void res.end(head ? undefined : assets.page.body);
    const [start, end] = assets.pageParts;
    res.write(start);
    setImmediate(() => {
      if (res.destroyed) return;
      try {
        const id = decodeURIComponent(session);
        const data = sessionData(id);
        // Without it (an unknown session) the page asks the API, which says why.
        if (data) res.write(inlineData(`/api/sessions/${encodeURIComponent(id)}`, data));
      } catch (error) {
        onProblem(`viewer: ${String(error)}`);
      }
      res.end(end);
    });
  }

  /** A session's figures and its waterfall, in the waterfall's compact wire form. */
  function sessionData(id: string) {
    const waterfall = store.waterfall(id);
    if (!waterfall) return undefined;
    return { session: index.session(id) ?? null, waterfall: encodeWaterfall(waterfall) };
  }

  function api(path: string, params: URLSearchParams, res: ServerResponse) {
    const parts = path.split("/").map(decodeURIComponent);
    switch (parts[0]) {
      case "sessions": {
        live.poll();
        if (parts.length === 1) return json(res, 200, index.page(sessionQueryOf(params)));
        const id = parts[1] ?? "";
        const data = sessionData(id);
        if (!data) return json(res, 404, { error: `no session ${id} in the store` });
        return json(res, 200, data);
      }
      case "spans": {
        const span = store.span(parts[1] ?? "", parts[2] ?? "");
        if (!span) return json(res, 404, { error: "no such span in the store" });
        return json(res, 200, span);
      }
      case "facets":
        live.poll();
        return json(res, 200, index.facets());
      case "usage":
        return json(res, 200, store.usage(usageQueryOf(params)));
      case "recent":
        live.poll();
        return json(res, 200, recent(index, store));
      case "info":
        return json(res, 200, { store: store.path, sessions: index.size, ids: index.rowIds });
      case "events":
        if (live.subscribe(res)) return;
        return json(res, 503, { error: "too many open pages" });
      default:
        return json(res, 404, { error: "no such API" });
    }
  }
}

/** A step of the read in steps: short enough that a request waits for it unnoticed. */
const STEP_MS = 25;

/**
 * Reads every session: a small store at once; a large one in steps between requests, so the
 * viewer answers from the start (pages of the sessions read so far, the newest first). Open
 * pages are told to fetch again when the read is done.
 */
function readSessions(
  index: SessionIndex,
  live: Live,
  atOnceUpTo: number,
  onProblem: (message: string) => void,
) {
  if (index.spanCount() <= atOnceUpTo) {
    index.load();
    return { stop: () => undefined };
  }
  let stopped = false;
  const step = index.loadInSteps(STEP_MS);
  // A store locked past its busy timeout: read it whole (a step half done cannot be redone)
  // once it answers again.
  const retry = (error: unknown) => {
    onProblem(`could not read the store: ${String(error)}`);
    setTimeout(() => {
      if (stopped) return;
      try {
        index.load();
        live.announceAll();
      } catch (again) {
        retry(again);
      }
    }, 1000);
  };
  const next = () => {
    if (stopped) return;
    try {
      if (step()) return void setImmediate(next);
      live.announceAll();
    } catch (error) {
      retry(error);
    }
  };
  setImmediate(next);
  return {
    stop: () => {
      stopped = true;
    },
  };
}

function recent(index: SessionIndex, store: Store) {
  return {
    sessions: index.page({ since: Date.now() - ACTIVE_MS, sort: "start", limit: 20 }).rows,
    spans: store.recentSpans(100),
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer | string,
  cache: string,
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "cache-control": cache });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", toJson(value), "no-store");
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * An API answer inside the page, for the script to read instead of asking (`src/ui/api.ts`). A
 * data block is never run, so the CSP needs no exception; `<` is escaped so that no text in the
 * data (a title) can end the element.
 */
export function inlineData(url: string, value: unknown): string {
  const body = toJson(value).replace(/</g, "\\u003c");
  return `<script type="application/json" id="viewer-data" data-url="${url}">${body}</script>\n`;
}

function notFound(res: ServerResponse): void {
  send(res, 404, "text/plain; charset=utf-8", "not found\n", "no-store");
}

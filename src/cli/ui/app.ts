/**
 * The viewer's HTTP handler: the page, its assets and its JSON API, all behind the token. Used
 * by `opencode-otel ui` and, for every path that is not OTLP, by `opencode-otel serve`. The
 * store is the only data source.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type SessionIndex, type Store, StoreError } from "../../store/index.js";
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
  index.load();
  const live = new Live(index, options.pollMs ?? 500, onProblem);
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
    close: () => live.close(),
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
      return send(res, 200, asset.type, asset.body, "no-cache");
    }
    if (PAGE.test(path)) return send(res, 200, assets.page.type, pageFor(path), "no-store");
    notFound(res);
  }

  /**
   * The page, with the data a session page will ask for preloaded: the browser fetches it while
   * it loads the script, instead of after. A header-free link, so the CSP needs no exception.
   */
  function pageFor(path: string): Buffer | string {
    const session = /^\/session\/([^/]+)/.exec(path)?.[1];
    if (!session) return assets.page.body;
    const href = `/api/sessions/${encodeURIComponent(decodeURIComponent(session))}`;
    const link = `<link rel="preload" href="${href}" as="fetch" crossorigin="anonymous" />`;
    return assets.page.body.toString("utf8").replace("</head>", `  ${link}\n  </head>`);
  }

  function api(path: string, params: URLSearchParams, res: ServerResponse) {
    const parts = path.split("/").map(decodeURIComponent);
    switch (parts[0]) {
      case "sessions": {
        live.poll();
        if (parts.length === 1) return json(res, 200, index.page(sessionQueryOf(params)));
        const id = parts[1] ?? "";
        const waterfall = store.waterfall(id);
        if (!waterfall) return json(res, 404, { error: `no session ${id} in the store` });
        return json(res, 200, { session: index.session(id) ?? null, waterfall });
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
  const body = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  send(res, status, "application/json; charset=utf-8", body, "no-store");
}

function notFound(res: ServerResponse): void {
  send(res, 404, "text/plain; charset=utf-8", "not found\n", "no-store");
}

/**
 * Routes from the address bar, so every view is a link: `/sessions?...filters`,
 * `/session/<id>`, `/session/<id>/span/<traceId>/<spanId>`, `/usage?...filters`, `/live`.
 * Pure (no DOM, no Preact), so tests read it without a browser.
 */
export type Route =
  | { readonly page: "sessions"; readonly params: URLSearchParams }
  | {
      readonly page: "session";
      readonly sessionId: string;
      readonly span: { traceId: string; spanId: string } | undefined;
    }
  | { readonly page: "usage"; readonly params: URLSearchParams }
  | { readonly page: "live" }
  | { readonly page: "missing"; readonly path: string };

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  if (pathname === "/" || pathname === "/sessions") return { page: "sessions", params };
  if (pathname === "/usage") return { page: "usage", params };
  if (pathname === "/live") return { page: "live" };
  const session = /^\/session\/([^/]+)(?:\/span\/([0-9a-f]{32})\/([0-9a-f]{16}))?$/.exec(pathname);
  if (session?.[1]) {
    const [, id, traceId, spanId] = session;
    return {
      page: "session",
      sessionId: decodeURIComponent(id ?? ""),
      span: traceId && spanId ? { traceId, spanId } : undefined,
    };
  }
  return { page: "missing", path: pathname };
}

export function sessionPath(sessionId: string, span?: { traceId: string; spanId: string }) {
  const base = `/session/${encodeURIComponent(sessionId)}`;
  return span ? `${base}/span/${span.traceId}/${span.spanId}` : base;
}

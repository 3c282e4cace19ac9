/**
 * Routes from the address bar, so every view is a link: `/sessions?...filters`,
 * `/session/<id>`, `/session/<id>/span/<traceId>/<spanId>`, `/usage?...filters`, `/live`.
 */
import { useEffect, useState } from "preact/hooks";

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

/** Goes to `href` without a reload; `replace` keeps the back button for real moves only. */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return route;
}

/** Same-origin link clicks become `navigate` calls (ctrl/middle click still opens a tab). */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const target = event.target instanceof Element ? event.target.closest("a") : null;
  if (!target || target.target || target.origin !== location.origin) return;
  event.preventDefault();
  navigate(target.pathname + target.search);
}

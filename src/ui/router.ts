/** Navigation without reloads, and the current route as state. */
import { useEffect, useState } from "preact/hooks";
import { parseRoute, type Route } from "./routes.js";

export { parseRoute, type Route, sessionPath } from "./routes.js";

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

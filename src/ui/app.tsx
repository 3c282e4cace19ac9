import { useEffect, useState } from "preact/hooks";
import { useLiveStatus } from "./live.js";
import { LivePage } from "./pages/live.js";
import { SessionPage } from "./pages/session.js";
import { SessionsPage } from "./pages/sessions.js";
import { onLinkClick, type Route, useRoute } from "./router.js";

const TITLES: Record<Route["page"], string> = {
  sessions: "Sessions",
  session: "Session",
  usage: "Usage",
  live: "Live",
  missing: "Not found",
};

export function App() {
  const route = useRoute();
  const live = useLiveStatus();
  useEffect(() => {
    document.title = `${TITLES[route.page]} · opencode-otel`;
  }, [route.page]);
  useEffect(() => {
    addEventListener("click", onLinkClick);
    return () => removeEventListener("click", onLinkClick);
  }, []);
  const tab = route.page === "session" ? "sessions" : route.page;
  return (
    <div class="app">
      <nav class="top">
        <span class="brand">opencode-otel</span>
        {(["sessions", "usage", "live"] as const).map((page) => (
          <a key={page} href={`/${page}`} class={tab === page ? "current" : ""}>
            {TITLES[page]}
          </a>
        ))}
        <span
          class={`live-dot ${live ? "on" : "off"}`}
          data-testid="live-status"
          data-live={live ? "on" : "off"}
          title={live ? "Updating as opencode writes" : "Not connected; reconnecting"}
        >
          {live ? "live" : "offline"}
        </span>
      </nav>
      <main>{page(route)}</main>
    </div>
  );
}

function page(route: Route) {
  switch (route.page) {
    case "sessions":
      return <SessionsPage params={route.params} />;
    case "session":
      return <SessionPage key={route.sessionId} sessionId={route.sessionId} span={route.span} />;
    case "usage":
      return <Usage params={route.params} />;
    case "live":
      return <LivePage />;
    case "missing":
      return (
        <section class="page">
          <h1>Not found</h1>
          <p>
            Nothing at {route.path}. <a href="/sessions">All sessions</a>
          </p>
        </section>
      );
  }
}

type UsageModule = typeof import("./pages/usage.js");

/** The usage page and its charting library load when first opened: other pages never pay. */
function Usage({ params }: { params: URLSearchParams }) {
  const [module, setModule] = useState<UsageModule | undefined>(undefined);
  const [failed, setFailed] = useState<string | undefined>(undefined);
  useEffect(() => {
    import("./pages/usage.js").then(setModule, (error: unknown) => setFailed(String(error)));
  }, []);
  if (failed) return <p class="error">{failed}</p>;
  return module ? <module.UsagePage params={params} /> : <p class="muted">Loading…</p>;
}

/**
 * The viewer's browser code, bundled by `scripts/build.mjs` into `dist/ui/assets/main.js` (with
 * Preact, uPlot and @tanstack/virtual-core inside; nothing is loaded from elsewhere).
 */
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render } from "preact";
import { App } from "./app.js";

// The script is `async` (index.html): the browser compiles and runs it while the server is still
// sending a session page's data, and it renders once the page is complete.
const start = () => {
  // For the benchmark: the page load ends and the viewer's own work begins here.
  performance.mark("viewer-start");
  const root = document.getElementById("app");
  if (root) render(<App />, root);
};
if (document.readyState === "loading")
  document.addEventListener("DOMContentLoaded", start, { once: true });
else start();

// Rewrites the generated parts of README.md: the options table (src/config/options.ts) and the
// emitted metrics (src/emit/profile.ts, src/emit/gen-ai-metrics.ts). Tests check they match.
// Run: npx bun scripts/sync-readme.ts
import { readFileSync, writeFileSync } from "node:fs";
import { renderOptionsTable } from "../src/config/docs.js";
import { renderGenAiList, renderMetricsTable } from "../src/emit/docs.js";

const path = new URL("../README.md", import.meta.url);
let text = readFileSync(path, "utf8");
for (const [marker, content] of [
  ["options", renderOptionsTable()],
  ["metrics", renderMetricsTable()],
  ["gen-ai-metrics", renderGenAiList()],
] as const) {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${marker} markers`);
  text = `${text.slice(0, from + start.length)}\n${content}${text.slice(to)}`;
}
writeFileSync(path, text);

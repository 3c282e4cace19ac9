// Rewrites the options table in README.md from src/config/options.ts (a test checks they match).
// Run: npx bun scripts/sync-readme.ts
import { readFileSync, writeFileSync } from "node:fs";
import { renderOptionsTable } from "../src/config/docs.js";

const path = new URL("../README.md", import.meta.url);
const start = "<!-- options:start -->";
const end = "<!-- options:end -->";
const text = readFileSync(path, "utf8");
const from = text.indexOf(start);
const to = text.indexOf(end);
if (from < 0 || to < from) throw new Error("README.md has no options markers");
writeFileSync(
  path,
  `${text.slice(0, from + start.length)}\n${renderOptionsTable()}${text.slice(to)}`,
);

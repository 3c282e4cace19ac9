// @ts-check
// Repository hygiene that `npm test` enforces, so a clone works on any machine:
// 1. nothing under src/, test/, bench/, scripts/, docs/ or the top-level Markdown reaches a path
//    outside the repository (a relative path that climbs out, an absolute path into this
//    machine's workspace, or the old sibling folders of fixtures and design notes);
// 2. package-lock.json is complete for every platform: each optional dependency that any locked
//    package declares (the per-OS/CPU binaries of biome, bun, msgpackr-extract...) has its own
//    entry, so `npm ci` accepts the lock on macOS, Windows and arm64 too.
// Prints what is wrong and exits 1; prints one summary line otherwise.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCANNED_DIRS = ["src", "test", "bench", "scripts", "docs", "dashboards"];
const SCANNED_EXT = /\.(ts|tsx|mjs|js|json|md|sh|css|html)$/;
/** Paths that only ever existed beside the repository or on one machine. */
const FORBIDDEN = [/\.\.\/(\.\.\/)*shared\//, /\/work\/(shared|\.library|\.mirror)\//];

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  /** @type {string[]} */
  const files = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else if (SCANNED_EXT.test(name)) files.push(path);
  }
  return files;
}

const files = [
  ...SCANNED_DIRS.flatMap((dir) => {
    try {
      return walk(join(root, dir));
    } catch {
      return [];
    }
  }),
  ...readdirSync(root)
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(root, name)),
];

/** @type {string[]} */
const problems = [];
const inside = (/** @type {string} */ path) => path === root || path.startsWith(root + sep);

for (const file of files) {
  const text = readFileSync(file, "utf8");
  const where = relative(root, file);
  text.split("\n").forEach((line, index) => {
    for (const pattern of FORBIDDEN) {
      if (pattern.test(line))
        problems.push(`${where}:${index + 1}: reaches outside: ${line.trim()}`);
    }
    // Quoted relative paths and Markdown link targets, resolved from the file's own folder.
    for (const match of line.matchAll(/["'`(]((?:\.\.\/)+[^"'`)\s]*)/g)) {
      const target = match[1] ?? "";
      if (!inside(resolve(dirname(file), target))) {
        problems.push(`${where}:${index + 1}: "${target}" resolves outside the repository`);
      }
    }
  });
}

/** @type {{ packages: Record<string, { optionalDependencies?: Record<string, string> }> }} */
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
let optional = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    optional++;
    // npm places a dependency next to its dependent or in any node_modules above it.
    const candidates = [];
    for (let base = path; ; base = base.slice(0, base.lastIndexOf("/node_modules/"))) {
      candidates.push(`${base ? `${base}/` : ""}node_modules/${name}`);
      if (!base.includes("/node_modules/")) break;
    }
    candidates.push(`node_modules/${name}`);
    if (!candidates.some((candidate) => candidate in lock.packages)) {
      problems.push(
        `package-lock.json: ${path || "(root)"} declares optional ${name}, which the lock lacks ` +
          "(run `npm install` where the registry serves every platform, and commit the lock)",
      );
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`${problems.join("\n")}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(
    `check-repo: ${files.length} files stay inside the repository; the lock lists all ${optional} optional platform packages\n`,
  );
}

// @ts-check
// Builds the published package with Node 20: `dist/index.js` (one ESM bundle made by the
// installed bun) and `dist/*.d.ts` (tsc, declarations only). Run as `node scripts/build.mjs`.
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** @type {{ dependencies?: Record<string, string> }} */
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// Runtime dependencies (package.json "dependencies": only @grpc/grpc-js, loaded for OTLP/gRPC
// alone) stay imports. The OpenTelemetry SDK is bundled: one parsed file loads several times
// faster than its many modules, and --splitting puts it in a chunk that the entry imports only
// after opencode has its hooks (src/lazy.ts), so opencode's startup never waits for it. The
// plugin registers no OpenTelemetry globals, so a bundled copy cannot clash with the host's.
const externals = new Set(Object.keys(pkg.dependencies ?? {}));

/**
 * Runs a binary installed in node_modules/.bin (never one from PATH, so CI builds with the
 * pinned versions) and throws if it fails.
 * @param {string} name
 * @param {string[]} args
 */
function run(name, args) {
  const started = Date.now();
  const result = spawnSync(join(root, "node_modules", ".bin", name), args, {
    cwd: root,
    stdio: "inherit",
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${name} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
  process.stdout.write(`build: ${name} done in ${Date.now() - started} ms\n`);
}

try {
  rmSync(join(root, "dist"), { recursive: true, force: true });
  run("bun", [
    "build",
    "src/index.ts",
    "--target=node",
    "--format=esm",
    "--splitting",
    "--sourcemap=linked",
    "--outdir=dist",
    ...[...externals].map((name) => `--external=${name}`),
  ]);
  // The CLI: its own entry (commands load lazily, so `--help` loads neither SQLite nor gRPC).
  run("bun", [
    "build",
    "src/cli/main.ts",
    "--target=node",
    "--format=esm",
    "--splitting",
    "--sourcemap=linked",
    "--outdir=dist",
    "--entry-naming=cli.[ext]",
    "--chunk-naming=cli-[hash].[ext]",
    "--banner=#!/usr/bin/env node",
    ...[...externals].map((name) => `--external=${name}`),
  ]);
  // The statusline, run at every shell prompt: its own entry (`dist/statusline/main.js`, which
  // `dist/cli.js` imports by name), so its path loads one module, not the chunks it would share
  // with the other commands; what it needs rarely (a missing store, budgets) stays in chunks.
  run("bun", [
    "build",
    "src/cli/statusline/main.ts",
    "--target=node",
    "--format=esm",
    "--splitting",
    "--sourcemap=linked",
    "--outdir=dist/statusline",
    "--entry-naming=main.[ext]",
    "--chunk-naming=[hash].[ext]",
    ...[...externals].map((name) => `--external=${name}`),
  ]);
  chmodSync(join(root, "dist", "cli.js"), 0o755);
  // The viewer's browser code (`opencode-otel ui`): one script and one style sheet with Preact
  // and @tanstack/virtual-core inside, a chunk with the usage page and uPlot (loaded when that
  // page is first opened), and the page that loads them. The CLI serves these files and nothing
  // else, so the viewer works offline and under a strict CSP. Every name carries a hash of its
  // content, so the browser keeps the files (and V8 its compiled code) between visits and asks
  // again only after an upgrade.
  run("bun", [
    "build",
    "src/ui/main.tsx",
    "--target=browser",
    "--format=esm",
    "--minify",
    "--splitting",
    "--sourcemap=linked",
    "--outdir=dist/ui/assets",
    "--entry-naming=[name]-[hash].[ext]",
    "--chunk-naming=chunk-[hash].[ext]",
    "--asset-naming=[name]-[hash].[ext]",
  ]);
  const built = readdirSync(join(root, "dist", "ui", "assets"));
  /** @param {RegExp} pattern */
  const one = (pattern) => {
    const names = built.filter((name) => pattern.test(name));
    if (names.length !== 1) throw new Error(`expected one ${pattern} in dist/ui/assets`);
    return names[0];
  };
  const page = readFileSync(join(root, "src", "ui", "index.html"), "utf8")
    .replace("/assets/main.js", `/assets/${one(/^main-[a-z0-9]+\.js$/)}`)
    .replace("/assets/main.css", `/assets/${one(/^main-[a-z0-9]+\.css$/)}`);
  writeFileSync(join(root, "dist", "ui", "index.html"), page);
  run("tsc", ["-p", "tsconfig.build.json"]);
} catch (error) {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
}

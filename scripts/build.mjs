// @ts-check
// Builds the published package with Node 20: `dist/index.js` (one ESM bundle made by the
// installed bun) and `dist/*.d.ts` (tsc, declarations only). Run as `node scripts/build.mjs`.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** @type {{ dependencies?: Record<string, string> }} */
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// Runtime dependencies stay imports: opencode installs them beside the plugin, and a bundled
// second copy of @opentelemetry/api would keep its own global registry apart from the host's.
// @grpc/grpc-js only reaches the bundle through the gRPC exporters, which are external too.
const externals = new Set([
  ...Object.keys(pkg.dependencies ?? {}),
  "@opentelemetry/*",
  "@grpc/grpc-js",
]);

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
    "--sourcemap=linked",
    "--outdir=dist",
    ...[...externals].map((name) => `--external=${name}`),
  ]);
  run("tsc", ["-p", "tsconfig.build.json"]);
} catch (error) {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
}

/**
 * The plugins a benchmark run compares, each a private copy under `.tmp/bench` (others may
 * rebuild `dist/` meanwhile), loaded by `child.ts` the way opencode loads a plugin:
 *
 * - `otel`: the built plugin (`dist/`), as published;
 * - `immediate`: the same sources with the turn flush delay set to 0 (`variants/immediate.ts`),
 *   so the delay's trade-off is measured both ways;
 * - `floor`: the same telemetry on the stock OpenTelemetry SDK (`floor/`);
 * - `noop`: hooks that return at once (`noop-plugin.ts`), the baseline.
 *
 * The two comparison plugins are bundled exactly as `scripts/build.mjs` bundles the plugin (Bun's
 * bundler, ESM, code splitting, so their SDK also loads after the factory returns).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

export type Kind = "noop" | "otel" | "immediate" | "floor";

const ROOT = resolve(import.meta.dir, "..");

function bundle(entry: string, outdir: string): void {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = spawnSync(
    join(ROOT, "node_modules", ".bin", "bun"),
    [
      "build",
      entry,
      "--target=node",
      "--format=esm",
      "--splitting",
      `--outdir=${outdir}`,
      "--external=@grpc/grpc-js",
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", 2] },
  );
  if (result.status !== 0) throw new Error(`bundling ${entry} failed`);
}

/**
 * Copies the built plugin (`dist/`, or another build's `dist/` to compare with, such as an
 * earlier commit's) and bundles the comparison plugins; returns each kind's module path.
 */
export function preparePlugins(work: string, dist = join(ROOT, "dist")): Record<Kind, string> {
  const plugin = join(work, "plugin");
  rmSync(plugin, { recursive: true, force: true });
  // Inside the repository, so the plugin's runtime dependencies resolve as they do for dist.
  cpSync(dist, plugin, { recursive: true });
  bundle(join(ROOT, "bench", "variants", "immediate.ts"), join(work, "immediate"));
  bundle(join(ROOT, "bench", "floor", "index.ts"), join(work, "floor"));
  return {
    otel: join(plugin, "index.js"),
    immediate: join(work, "immediate", "immediate.js"),
    floor: join(work, "floor", "index.js"),
    noop: join(ROOT, "bench", "noop-plugin.ts"),
  };
}

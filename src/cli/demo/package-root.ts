import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * This package's folder, found by walking up from this module: `dist/cli.js` when built,
 * `src/cli/demo/` when run from source. opencode loads the plugin from it (`file://<folder>`).
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const pkg: unknown = JSON.parse(readFileSync(manifest, "utf8"));
        if (
          typeof pkg === "object" &&
          pkg !== null &&
          "name" in pkg &&
          pkg.name === "opencode-otel"
        )
          return dir;
      } catch {
        // Not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The opencode binary of the pinned `opencode-ai` devDependency: its per-platform package
 * (`opencode-linux-x64`, `-baseline` for CPUs without AVX2, `-musl`), as its launcher picks it.
 */
export function findOpencode(root: string): string | undefined {
  const base = `opencode-${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  const exe = process.platform === "win32" ? "opencode.exe" : "opencode";
  for (const variant of ["", "-baseline", "-musl", "-baseline-musl"]) {
    const path = join(root, "node_modules", `${base}${variant}`, "bin", exe);
    if (existsSync(path)) return path;
  }
  return undefined;
}

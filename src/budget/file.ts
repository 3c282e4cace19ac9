import { readFile } from "node:fs/promises";
import { type ParsedBudgets, parseBudgets } from "./parse.js";

/**
 * Reads a budgets file. A missing file means no budgets (undefined); a file that is not JSON, or
 * not valid budgets, gives the errors `parseBudgets` explains, with the file's path in each.
 */
export async function readBudgetsFile(
  path: string,
  home: string | undefined,
): Promise<ParsedBudgets | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    return { ...parseBudgets({}, { source: path, home }), errors: [`${path}: ${reason}`] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ...parseBudgets({}, { source: path, home }),
      errors: [`${path}: not JSON (${reason})`],
    };
  }
  return parseBudgets(raw, { source: path, home });
}

function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
}

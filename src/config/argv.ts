/**
 * Splits a command line into argv without a shell, so a configured helper can never expand
 * variables, globs or `$(...)`. Whitespace separates arguments; single or double quotes group
 * (and may be glued to text: `--name="a b"` → `--name=a b`). There are no backslash escapes, so
 * Windows paths survive as written. Returns undefined for an unterminated quote.
 */
export function splitCommandLine(line: string): string[] | undefined {
  const args: string[] = [];
  let current = "";
  let inArg = false;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = "";
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (quote !== undefined) return undefined;
  if (inArg) args.push(current);
  return args;
}

/**
 * Which runtimes the CLI supports, said once: Node 22.13+ (the 22 and 24 release lines; the
 * store is SQLite through node:sqlite, which Node ships without a flag from 22.13) or Bun
 * (bun:sqlite). package.json `engines` and the README say the same. Older Node would fail deep
 * inside an import with an unreadable error, so the CLI checks first and says what to do.
 */
export const MINIMUM_NODE = [22, 13] as const;

/** A one-line explanation when this runtime cannot run the CLI; undefined when it can. */
export function unsupportedRuntime(
  versions: { readonly node: string; readonly bun?: string | undefined } = process.versions,
): string | undefined {
  if (versions.bun) return undefined;
  const [major = 0, minor = 0] = versions.node.split(".").map(Number);
  if (major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1])) {
    return undefined;
  }
  return (
    `opencode-otel needs Node ${MINIMUM_NODE.join(".")}+ (Node 22 or 24) or Bun; this is Node ` +
    `${versions.node}. Install Node 22 or 24, or run it with \`bunx opencode-otel\`.`
  );
}

/**
 * The store is SQLite through the runtime's own binding (bun:sqlite, or node:sqlite, which Node
 * ships without a flag from 22.13). Older Node would fail deep inside an import with an
 * unreadable error, so commands check first and say what to install.
 */
const MINIMUM = [22, 13] as const;

/** A one-line explanation when this runtime cannot open the store; undefined when it can. */
export function unsupportedRuntime(
  versions: { readonly node: string; readonly bun?: string | undefined } = process.versions,
): string | undefined {
  if (versions.bun) return undefined;
  const [major = 0, minor = 0] = versions.node.split(".").map(Number);
  if (major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1])) return undefined;
  return (
    `opencode-otel: the telemetry store needs Node ${MINIMUM.join(".")}+ (node:sqlite) or Bun; ` +
    `this is Node ${versions.node}. Install Node 22 LTS or newer, or run it with \`bunx opencode-otel\`.`
  );
}

/**
 * Where each export destination got to: the last row id sent per table, kept in a small JSON
 * file next to the store (`telemetry.db.exports.json`), keyed by protocol and endpoint. Written
 * after every acknowledged batch (write-then-rename, so a crash leaves the old or the new file,
 * never half of one): an interrupted export resends at most the one batch in flight. When the
 * store's folder cannot be written (another user's store), the positions go to this user's
 * state folder instead, one file per store.
 */
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { StoredTable } from "../../store/index.js";
import { CliError } from "../errors.js";

export type Position = Readonly<Record<StoredTable, number>>;

export const START: Position = { spans: 0, logs: 0, metricPoints: 0 };

export interface CursorBook {
  read(destination: string): Position;
  write(destination: string, position: Position): void;
}

export function cursorFileOf(
  storePath: string,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  const beside = `${storePath}.exports.json`;
  if (writable(beside)) return beside;
  // The XDG spec says a relative value is invalid and must be ignored.
  const state = env.XDG_STATE_HOME?.startsWith("/")
    ? env.XDG_STATE_HOME
    : join(homedir(), ".local", "state");
  const id = createHash("sha256").update(storePath).digest("hex").slice(0, 16);
  return join(state, "opencode-otel", "exports", `${id}.json`);
}

function writable(file: string): boolean {
  try {
    accessSync(existsSync(file) ? file : dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function parse(text: string, file: string): Record<string, Position> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const out: Record<string, Position> = {};
      for (const [key, entry] of Object.entries(value)) {
        const e: Partial<Record<StoredTable, unknown>> =
          typeof entry === "object" && entry ? entry : {};
        const n = (v: unknown) =>
          typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : 0;
        out[key] = { spans: n(e.spans), logs: n(e.logs), metricPoints: n(e.metricPoints) };
      }
      return out;
    }
  } catch {
    // Reported below.
  }
  throw new CliError(
    `export positions file ${file} is damaged; delete it to export everything again`,
  );
}

/**
 * `fallback`: a positions file to read when `file` has no entry yet (the one beside a store
 * that has since become read-only for this user).
 */
export function fileCursorBook(file: string, fallback?: string): CursorBook {
  const loadFrom = (path: string) =>
    existsSync(path) ? parse(readFileSync(path, "utf8"), path) : {};
  const load = () => loadFrom(file);
  return {
    read: (destination) =>
      load()[destination] ??
      (fallback && fallback !== file ? loadFrom(fallback)[destination] : undefined) ??
      START,
    write(destination, position) {
      // Re-read before writing: another export to another destination may have run meanwhile.
      const all = { ...load(), [destination]: position };
      mkdirSync(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`);
      renameSync(temporary, file);
    },
  };
}

/** The key of one destination: protocol and URL, without credentials, query or trailing slash. */
export function destinationKey(protocol: string, endpoint: string): string {
  const url = new URL(endpoint);
  return `${protocol} ${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

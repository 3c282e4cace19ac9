import type { Page, Store, StoredTable } from "../../store/index.js";
import { type ParsedArgs, stringValue } from "../args.js";
import { CliError, EXIT_OK } from "../errors.js";
import type { Io } from "../io.js";
import { createProgress } from "../progress.js";
import { openStore, withStore } from "../store.js";
import { cursorFileOf, destinationKey, fileCursorBook, type Position, START } from "./cursor.js";
import { type ExportOptions, exportOptionsOf } from "./options.js";
import { type Batch, createSender } from "./sender.js";

const TABLES: readonly StoredTable[] = ["spans", "logs", "metricPoints"];
const LABELS: Record<StoredTable, string> = {
  spans: "spans",
  logs: "log records",
  metricPoints: "metric points",
};

/** Reads one page of a table as a batch; rows older than `since` are left out of the batch. */
function readBatch(
  store: Store,
  table: StoredTable,
  afterId: number,
  options: ExportOptions,
): { batch: Batch; read: number; lastId: number } {
  const since = options.since === undefined ? undefined : BigInt(options.since) * 1_000_000n;
  const keep = <T>(page: Page<T>, time: (row: T) => bigint) => ({
    rows: since === undefined ? page.items : page.items.filter((row) => time(row) >= since),
    read: page.items.length,
    lastId: page.lastId,
  });
  return withStore(store, () => {
    switch (table) {
      case "spans": {
        const p = keep(store.spans(afterId, options.batch), (row) => row.startNs);
        return { batch: { table, rows: p.rows }, read: p.read, lastId: p.lastId };
      }
      case "logs": {
        const p = keep(store.logs(afterId, options.batch), (row) => row.timeNs);
        return { batch: { table, rows: p.rows }, read: p.read, lastId: p.lastId };
      }
      case "metricPoints": {
        const p = keep(store.metricPoints(afterId, options.batch), (row) => row.timeNs);
        return { batch: { table, rows: p.rows }, read: p.read, lastId: p.lastId };
      }
    }
  });
}

export async function runExport(args: ParsedArgs, io: Io): Promise<number> {
  const options = exportOptionsOf(args, io.env);
  if (options.warning) io.err(`opencode-otel export: warning: ${options.warning}\n`);
  const store = await openStore(stringValue(args, "db"), io.env, {
    create: false,
    note: (message) => io.err(`opencode-otel export: note: ${message}\n`),
  });
  const book = fileCursorBook(cursorFileOf(store.path, io.env), `${store.path}.exports.json`);
  const destination = destinationKey(options.protocol, options.endpoint);
  let position: Position = options.restart ? START : book.read(destination);
  const todo = withStore(store, () =>
    Object.fromEntries(TABLES.map((t) => [t, store.count(t, position[t])])),
  );
  const done: Record<StoredTable, number> = { spans: 0, logs: 0, metricPoints: 0 };
  // Refused inside accepted requests: said when first seen and in the last line, not resent
  // (OTLP forbids it), so the saved position moves past them as past any delivered batch.
  const rejected: Record<StoredTable, number> = { spans: 0, logs: 0, metricPoints: 0 };
  let rejectedMessage = "";
  const sender = createSender(options);
  const progress = createProgress(io);
  let stop = false;
  io.interrupted.then(() => {
    stop = true;
  });
  const line = () =>
    `export to ${options.endpoint}: ` +
    TABLES.map((t) => `${LABELS[t]} ${done[t]}/${todo[t] ?? 0}`).join(", ");
  try {
    progress.update(line());
    for (const table of TABLES) {
      for (;;) {
        if (stop) {
          progress.done(line());
          throw new CliError("interrupted; run the same command again to send the rest");
        }
        const { batch, read, lastId } = readBatch(store, table, position[table], options);
        if (read === 0) break;
        if (batch.rows.length > 0) {
          const refused = await sender.send(batch);
          if (refused.items > 0) {
            if (rejected[table] === 0)
              io.err(
                `opencode-otel export: warning: the endpoint accepted a batch but rejected ${refused.items} of its ${LABELS[table]}${refused.message ? ` ("${refused.message.slice(0, 200)}")` : ""}; OTLP senders do not resend those, so they will not arrive\n`,
              );
            rejected[table] += refused.items;
            if (refused.message) rejectedMessage = refused.message.slice(0, 200);
          }
        }
        position = { ...position, [table]: lastId };
        book.write(destination, position);
        done[table] += read;
        progress.update(line());
      }
    }
    const total = TABLES.reduce((sum, t) => sum + done[t], 0);
    const refused = TABLES.filter((t) => rejected[t] > 0).map((t) => `${rejected[t]} ${LABELS[t]}`);
    progress.done(
      total === 0
        ? `nothing new to export to ${options.endpoint}`
        : `${line()}: done${refused.length ? `; the endpoint rejected ${refused.join(", ")}${rejectedMessage ? ` (last reason: "${rejectedMessage}")` : ""}` : ""}`,
    );
    return EXIT_OK;
  } catch (error) {
    if (!stop) progress.done(line());
    throw error;
  } finally {
    sender.close();
    store.close();
  }
}

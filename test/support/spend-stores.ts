/**
 * Stores for the spend tests: every capture replayed through the plugin into one store (each
 * capture in a project of its own, as the local exporter records opencode's directory), and a
 * generated history (`spend-history.ts`).
 */
import { logRowFromSdk, metricRowsFromSdk, spanRowFromSdk } from "../../src/store/from-sdk.js";
import { Store } from "../../src/store/store.js";
import type { SpanRow } from "../../src/store/types.js";
import { FIXTURES, loadFixture } from "./fixtures.js";
import { Collected } from "./in-memory.js";
import { replay } from "./replay.js";
import { type HistoryOptions, spendHistory } from "./spend-history.js";

/** The project (opencode's directory) a capture is stored under: `/work/<capture>`. */
export const fixtureProject = (name: string) => `/work/${name}`;

/** Replays every capture into a new store at `path`. */
export async function fixtureStore(path: string): Promise<void> {
  const store = await Store.open(path);
  try {
    for (const name of FIXTURES) {
      const collected = new Collected();
      await replay(loadFixture(name), { exporters: collected.overrides() });
      const project = { "opencode.project.directory": fixtureProject(name) };
      const withProject = <R extends { resource: Readonly<Record<string, unknown>> }>(row: R) => ({
        ...row,
        resource: { ...row.resource, ...project },
      });
      store.insertSpans(collected.spans.map(spanRowFromSdk).map(withProject));
      store.insertLogs(collected.logs.map(logRowFromSdk).map(withProject));
      store.insertMetricPoints(collected.metrics.flatMap(metricRowsFromSdk).map(withProject));
    }
  } finally {
    store.close();
  }
}

/** Writes a generated history into a new store at `path`; returns the spans written. */
export async function historyStore(path: string, options: HistoryOptions): Promise<SpanRow[]> {
  const store = await Store.open(path);
  const spans = [...spendHistory(options)];
  try {
    for (let i = 0; i < spans.length; i += 20_000) store.insertSpans(spans.slice(i, i + 20_000));
  } finally {
    store.close();
  }
  return spans;
}

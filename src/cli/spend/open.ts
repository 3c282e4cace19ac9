/**
 * Opens the store for the spend commands (`statusline`, `budget`, `report --live`): read only,
 * through the spend queries alone, so that a command run on every prompt loads no more than it
 * needs. Failures become the same one-line messages as every other command's.
 */
import { StoreError } from "../../store/errors.js";
import { openSpendReader, type SpendReader } from "../../store/spend-reader.js";
import { storePathOf } from "../store-path.js";

export async function openSpend(
  db: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SpendReader> {
  const path = storePathOf(db, env);
  try {
    return await openSpendReader(path);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    // Loaded for the message only: the rest of the store stays unloaded on the way that works.
    const { describeStoreError } = await import("../store.js");
    throw describeStoreError(error, path);
  }
}

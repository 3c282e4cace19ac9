/**
 * Opens the store for the spend commands (`statusline`, `budget`, `report --live`): read only,
 * through the spend queries alone, so that a command run on every prompt loads no more than it
 * needs. Failures become the same one-line messages as every other command's.
 */
import { StoreError } from "../../store/errors.js";
import { openSpendReader, type SpendReader } from "../../store/spend-reader.js";
import { describeStoreError, storePathOf } from "../store.js";

export async function openSpend(
  db: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SpendReader> {
  const path = storePathOf(db, env);
  try {
    return await openSpendReader(path);
  } catch (error) {
    throw error instanceof StoreError ? describeStoreError(error, path) : error;
  }
}

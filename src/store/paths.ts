import { homedir } from "node:os";
import { storePathFor } from "./store-path.js";

export interface PathContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/**
 * The store's default file for this process (see `storePathFor`, the rule itself); undefined
 * when no absolute folder gives one.
 */
export function defaultStorePath(context: PathContext = {}): string | undefined {
  return storePathFor({
    env: context.env ?? process.env,
    platform: context.platform ?? process.platform,
    home: context.home ?? homedir(),
  });
}

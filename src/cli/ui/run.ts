import { StoreError } from "../../store/index.js";
import { type ParsedArgs, portValue, stringValue } from "../args.js";
import { EXIT_OK, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { isLoopback } from "../serve/host.js";
import { describeStoreError, openStore } from "../store.js";
import { openInBrowser } from "./open.js";
import { startViewer } from "./server.js";

export async function runUi(args: ParsedArgs, io: Io): Promise<number> {
  const host = stringValue(args, "host") ?? "127.0.0.1";
  const token = stringValue(args, "token");
  if (token !== undefined && token.length < 8)
    throw new UsageError("--token must be at least 8 characters");
  const port = portValue(args, "port", 0);
  // The store is created when missing, so the viewer can wait for opencode's first session.
  const store = await openStore(stringValue(args, "db"), io.env, { create: true });
  try {
    const viewer = await startViewer({
      store,
      host,
      port,
      ...(token ? { token } : {}),
      onProblem: (message) => io.err(`ui: ${message}\n`),
    }).catch((error: unknown) => {
      throw error instanceof StoreError ? describeStoreError(error, store.path) : error;
    });
    io.err(`opencode-otel ui: reading ${store.path}\n`);
    if (!isLoopback(host))
      io.err(`  warning: listening on ${host}; anyone on the network with the URL can read it\n`);
    io.out(`${viewer.url}\n`);
    if (args.values.open) openInBrowser(viewer.url, (message) => io.err(`ui: ${message}\n`));
    io.err("Press Ctrl-C to stop.\n");
    await io.interrupted;
    await viewer.close();
    return EXIT_OK;
  } finally {
    store.close();
  }
}

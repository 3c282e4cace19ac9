/**
 * Another process writing the store, as opencode does: replays the named captures into the store
 * at argv[2] through the plugin's local exporter, then prints "done".
 */
import { fillStore } from "./store-fill.js";

const [path, ...fixtures] = process.argv.slice(2);
if (!path) throw new Error("usage: store-write-child.ts STORE FIXTURE...");
await fillStore(path, fixtures);
process.stdout.write("done\n");

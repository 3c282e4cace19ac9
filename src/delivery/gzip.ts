import type * as Zlib from "node:zlib";

let zlib: typeof Zlib | undefined;

/**
 * gzips a request body on the calling thread (the delivery macrotask, never a host hook). A
 * body is a few KB, which zlib compresses in tens of microseconds; the thread-pool version
 * (`zlib.gzip`) costs several times more CPU in Bun for the hand-off alone. Under Bun (inside
 * opencode) Bun's own `gzipSync` does it without loading `node:zlib`, whose first import costs
 * more CPU than a whole session's compression; elsewhere (the CLI under Node) `node:zlib` is
 * loaded on first use. Both produce standard gzip at the default level.
 */
export function gzip(body: Uint8Array): Uint8Array {
  if (typeof Bun !== "undefined") return Bun.gzipSync(ownBuffer(body) ? body : body.slice());
  zlib ??= process.getBuiltinModule("node:zlib");
  return zlib.gzipSync(body);
}

/** Bun's gzip takes views of plain (not shared) array buffers, which every body here is. */
function ownBuffer(body: Uint8Array): body is Uint8Array<ArrayBuffer> {
  return body.buffer instanceof ArrayBuffer;
}

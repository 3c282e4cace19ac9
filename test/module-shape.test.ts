import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";

const DIST = join(import.meta.dir, "../dist/index.js");

// opencode 1.18.33's loader (read from its binary): a module whose default export is an object
// with `id`/`server` is loaded through `default.server(input, options)`; a path plugin without
// an `id` is rejected; any other module has every export called as a plugin factory.
test("the built entry exports exactly one plugin, as { id, server }", async () => {
  expect(existsSync(DIST)).toBe(true);
  const mod: Record<string, unknown> = await import(DIST);
  expect(Object.keys(mod)).toEqual(["default"]);
  const plugin = mod.default as { id?: unknown; server?: unknown };
  expect(plugin.id).toBe("opencode-otel");
  expect(typeof plugin.server).toBe("function");
});

test("package.json points opencode at the built entry", async () => {
  const pkg = await import(join(import.meta.dir, "../package.json"));
  expect(pkg.default.exports["./server"].import).toBe("./dist/index.js");
  expect(pkg.default.main).toBe("./dist/index.js");
});

test("opencode gets its hooks before the SDK has loaded; calls made meanwhile are kept", async () => {
  const { createLazyHooks } = await import("../src/lazy.js");
  const { Collected } = await import("./support/in-memory.js");
  const collected = new Collected();
  const started = performance.now();
  const hooks = createLazyHooks({
    env: { OPENCODE_ENABLE_TELEMETRY: "1" },
    exporters: collected.overrides(),
    logSink: () => undefined,
  });
  const elapsed = performance.now() - started;
  expect(elapsed).toBeLessThan(50);
  const sessionID = "ses_lazy";
  // Sent before the pipeline is up: must not be lost.
  await hooks.event?.({
    event: { type: "session.created", properties: { sessionID, info: { id: sessionID } } },
  });
  await hooks.dispose?.();
  const session = collected.spans.find((span) => span.name === "opencode.session");
  expect(session?.attributes["session.id"]).toBe(sessionID);
});

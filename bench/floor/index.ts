/**
 * The benchmark's comparison line: the same telemetry as opencode-otel (the same adapter,
 * session model and emitters, so the same spans, log records and metric records), built
 * plainly on the stock OpenTelemetry SDK: its providers, batch processors and OTLP/HTTP
 * protobuf exporters with gzip, the turn-end flush as `forceFlush`, and `dispose` that flushes
 * and shuts every provider down. It is what a careful plugin on the stock SDK pays.
 *
 * Like opencode-otel, it returns its hooks at once and loads the SDK in the background (the
 * benchmark bundles it with the same splitting), so both pay their SDK load after the factory
 * and the whole bill counts it for both. Hook calls made before the load are kept and replayed.
 */
interface FloorHooks {
  event: (input: unknown) => Promise<void>;
  "chat.message": (input: unknown, output: unknown) => Promise<void>;
  dispose: () => Promise<void>;
}

const server = async (_input: unknown, options: unknown): Promise<FloorHooks> => {
  let hooks: FloorHooks | undefined;
  const pending: { input: unknown; output?: unknown; chat: boolean }[] = [];
  const loading = import("./pipeline.js").then(async ({ startFloor }) => {
    const started = await startFloor(options);
    for (const call of pending.splice(0))
      if (call.chat) await started["chat.message"](call.input, call.output);
      else await started.event(call.input);
    hooks = started;
  });
  return {
    event: async (input) => {
      if (hooks) return hooks.event(input);
      pending.push({ input, chat: false });
    },
    "chat.message": async (input, output) => {
      if (hooks) return hooks["chat.message"](input, output);
      pending.push({ input, output, chat: true });
    },
    dispose: async () => {
      await loading;
      await hooks?.dispose();
    },
  };
};

export default { id: "floor", server };

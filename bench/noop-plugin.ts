/**
 * The benchmark's baseline: a plugin of the same shape as opencode-otel (`{ id, server }`)
 * whose hooks do nothing. Whatever the harness itself costs shows up here too and cancels out.
 */
const server = async () => ({
  event: async (_input: unknown) => undefined,
  "chat.message": async (_input: unknown, _output: unknown) => undefined,
  dispose: async () => undefined,
});

export default { id: "noop", server };

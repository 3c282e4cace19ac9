import type { Command } from "../command.js";
import { statuslineSpec } from "./spec.js";

export const statuslineCommand: Command = {
  ...statuslineSpec,
  async run(args, io) {
    const { runStatusline } = await import("./run.js");
    return runStatusline(args, io);
  },
};

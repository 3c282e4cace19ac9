/**
 * The `opencode-otel` executable (package.json `bin`; built to `dist/cli.js` with a
 * `#!/usr/bin/env node` banner). Sets the exit code rather than calling `process.exit()`, so
 * stdout is flushed when piped; a command that is done leaves nothing running.
 */
import { runCli } from "./cli.js";
import { processIo } from "./io.js";

// Node 22 flags node:sqlite as experimental on every start; the store depends on it knowingly,
// so that one warning is noise to a user. Every other warning is still printed.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name === "ExperimentalWarning" && warning.message.includes("SQLite")) return;
  process.stderr.write(`(${warning.name}) ${warning.message}\n`);
});

process.exitCode = await runCli(process.argv.slice(2), processIo());

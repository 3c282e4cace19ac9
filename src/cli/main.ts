/**
 * The `opencode-otel` executable (package.json `bin`; built to `dist/cli.js` with a
 * `#!/usr/bin/env node` banner). Sets the exit code rather than calling `process.exit()`, so
 * stdout is flushed when piped; a command that is done leaves nothing running. The statusline,
 * run at every shell prompt, goes its own way, past the dispatcher and the other commands.
 */

// Node 22 flags node:sqlite as experimental on every start; the store depends on it knowingly,
// so that one warning is noise to a user. Every other warning is still printed.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name === "ExperimentalWarning" && warning.message.includes("SQLite")) return;
  process.stderr.write(`(${warning.name}) ${warning.message}\n`);
});

const argv = process.argv.slice(2);
if (argv[0] === "statusline") {
  // A module of its own in `dist/` (scripts/build.mjs): the prompt's path is one file, not the
  // chunks it shares with the other commands. The variable keeps the bundler from inlining it.
  const entry = "./statusline/main.js";
  const { statuslineMain }: typeof import("./statusline/main.js") = await import(entry);
  process.exitCode = await statuslineMain(argv.slice(1));
} else {
  const [{ runCli }, { processIo }] = await Promise.all([import("./cli.js"), import("./io.js")]);
  process.exitCode = await runCli(argv, processIo());
}

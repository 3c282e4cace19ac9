/**
 * `opencode-otel demo`: real opencode, the built plugin, the scripted model and a throwaway
 * store, then the report and one session's trace. Everything it starts is stopped and its folder
 * removed (unless --keep) whatever happens, including Ctrl-C.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../../store/index.js";
import { type ParsedArgs, stringValue } from "../args.js";
import { CliError, EXIT_OK, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { createProgress } from "../progress.js";
import { renderReport } from "../report/render.js";
import { withStore } from "../store.js";
import { renderTree } from "../trace/tree.js";
import { openInBrowser } from "../ui/open.js";
import { startViewer } from "../ui/server.js";
import { startScriptedModel } from "./model.js";
import { opencodeEnv, runOpencode, type Sandbox, writeConfig } from "./opencode.js";
import { findOpencode, packageRoot } from "./package-root.js";
import { describeEvent } from "./progress-text.js";
import { openRoute, type Via } from "./route.js";
import { DEMO_TURNS, PROJECT_FILES } from "./script.js";

interface Setup {
  readonly root: string;
  readonly binary: string;
  readonly via: Via;
  readonly keep: boolean;
  readonly ui: boolean;
  readonly open: boolean;
  readonly timeoutMs: number;
}

function setupOf(args: ParsedArgs): Setup {
  const root = packageRoot();
  if (!root) throw new CliError("cannot find the opencode-otel package folder");
  if (!existsSync(join(root, "dist", "index.js"))) {
    throw new CliError(
      `the plugin is not built (${join(root, "dist/index.js")}); run \`npm run build\` first`,
    );
  }
  const binary = stringValue(args, "opencode") ?? findOpencode(root);
  if (!binary || !existsSync(binary)) {
    throw new CliError(
      "opencode binary not found; in an opencode-otel checkout run `node scripts/provision.mjs` " +
        "(it installs the pinned opencode), or put opencode on PATH, or pass --opencode PATH",
    );
  }
  const timeoutText = stringValue(args, "timeout") ?? "120";
  if (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 1) {
    throw new UsageError(`--timeout must be a whole number of seconds (got "${timeoutText}")`);
  }
  return {
    root,
    binary,
    via: viaOf(stringValue(args, "via")),
    keep: args.values.keep === true,
    ui: args.values.ui === true,
    open: args.values.open === true,
    timeoutMs: Number(timeoutText) * 1000,
  };
}

const viaOf = (value: string | undefined): Via =>
  value === "local" || value === "otlp" ? value : "auto";

function createSandbox(): { dir: string; sandbox: Sandbox } {
  const dir = mkdtempSync(join(tmpdir(), "opencode-otel-demo-"));
  const sandbox = { home: join(dir, "home"), project: join(dir, "project") };
  mkdirSync(sandbox.project, { recursive: true });
  for (const [name, text] of Object.entries(PROJECT_FILES))
    writeFileSync(join(sandbox.project, name), text);
  return { dir, sandbox };
}

export async function runDemo(args: ParsedArgs, io: Io): Promise<number> {
  const setup = setupOf(args);
  const { dir, sandbox } = createSandbox();
  // Serving the viewer until Ctrl-C needs a person at a terminal. Elsewhere (CI, a pipe) the
  // store is kept and the command that opens it is printed, so the demo always ends.
  const serve = setup.ui && io.columns !== undefined;
  const keep = setup.keep || (setup.ui && !serve);
  const started = Date.now();
  const model = await startScriptedModel();
  const route = await openRoute(setup.via, dir);
  try {
    writeConfig(sandbox, model.url, setup.root);
    const sessionId = await runTurns(setup, sandbox, opencodeEnv(sandbox, route.env), io);
    const result = await route.finish();
    if (!result) {
      throw new CliError(
        "opencode ran, but no telemetry reached the store; is the plugin built from this checkout (`npm run build`)?",
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.out(
      `opencode ran ${DEMO_TURNS.length} turns in ${seconds} s; telemetry went through ${result.how} into ${result.path}\n\n`,
    );
    try {
      printResults(io, result.store, sessionId);
      if (keep) {
        io.out(
          `\nKept ${dir}; explore it with:\n  opencode-otel report --db ${result.path} --by model\n` +
            `  opencode-otel ui --db ${result.path} --open   # the viewer\n`,
        );
      }
      if (serve) await serveViewer(io, result.store, sessionId, setup);
      else if (!keep)
        io.out("\nTo see this run in the browser: opencode-otel demo --ui (or npm run demo)\n");
    } finally {
      result.store.close();
    }
    return EXIT_OK;
  } finally {
    await route.close();
    await model.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs each turn in the same session, with a progress line; returns the session id. */
async function runTurns(setup: Setup, sandbox: Sandbox, env: Record<string, string>, io: Io) {
  const progress = createProgress(io);
  const started = Date.now();
  let sessionId: string | undefined;
  for (const [index, turn] of DEMO_TURNS.entries()) {
    let status = "starting opencode";
    const line = () =>
      `demo: turn ${index + 1}/${DEMO_TURNS.length} (${turn.label}): ${status}  ${((Date.now() - started) / 1000).toFixed(1)} s`;
    const ticker = setInterval(() => progress.update(line()), 250);
    try {
      sessionId = await runOpencode({
        binary: setup.binary,
        sandbox,
        env,
        message: turn.message,
        ...(sessionId ? { sessionId } : {}),
        timeoutMs: setup.timeoutMs,
        abort: io.interrupted,
        onEvent: (event) => {
          status = describeEvent(event) ?? status;
          progress.update(line());
        },
      });
    } finally {
      clearInterval(ticker);
    }
    status = "done";
    progress.done(line());
  }
  if (!sessionId) throw new CliError("opencode reported no session");
  return sessionId;
}

function printResults(io: Io, store: Store, sessionId: string): void {
  for (const group of ["session", "tool"] as const) {
    io.out(
      `${renderReport(
        withStore(store, () => store.report({ group })),
        io.columns,
      )}\n`,
    );
  }
  // One root per opencode process that ran the session (here, one per turn), a blank line apart.
  const roots = withStore(store, () => store.spanTree(sessionId));
  const trees = roots.map((root) => renderTree([root], io.columns).join("\n"));
  io.out(`Trace of session ${sessionId}:\n\n${trees.join("\n\n")}\n`);
}

/**
 * Serves the viewer on the demo's own store until Ctrl-C: the store is throwaway, so the URL is
 * printed while it can be opened, and the folder goes when the viewer does (unless --keep).
 */
async function serveViewer(io: Io, store: Store, sessionId: string, setup: Setup): Promise<void> {
  const viewer = await startViewer({ store, host: "127.0.0.1", port: 0 });
  try {
    const after = setup.keep ? "" : "; the demo's folder is removed then";
    io.out(
      `\nThe viewer of this run (session ${sessionId}), until Ctrl-C${after}:\n  ${viewer.url}\n`,
    );
    if (setup.open) openInBrowser(viewer.url, (message) => io.err(`demo: ${message}\n`));
    await io.interrupted;
  } finally {
    await viewer.close();
  }
}

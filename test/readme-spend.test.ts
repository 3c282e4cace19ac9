/**
 * The README's spend section works as written: the live frame is `report --live`'s rendering of
 * a generated store, the statusline example is the command's output on it, the bash prompt and
 * tmux snippets run the built CLI in real bash and a real tmux (attached in a pseudo-terminal by
 * `script`), and the budgets example is a valid budgets file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseBudgets } from "../src/budget/parse.js";
import { renderFrame } from "../src/cli/report/live/frame.js";
import { frameAt } from "../src/cli/report/live/run.js";
import { openSpendReader } from "../src/store/spend-reader.js";
import { PROJECT_ROOT } from "./support/spend-history.js";
import { historyStore } from "./support/spend-stores.js";

const ROOT = resolve(import.meta.dir, "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
/** The code block between `<!-- name:start -->` and `<!-- name:end -->`, without its fences. */
function block(name: string): string {
  const found = new RegExp(
    `<!-- ${name}:start -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`,
  ).exec(readme);
  if (!found?.[1]) throw new Error(`README has no ${name} block`);
  return found[1];
}

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-readme-spend-"));
/** The README's figures are of a generated month ending here, in UTC. */
const END = Date.UTC(2026, 2, 18, 15, 30);
const EXAMPLE = join(dir, "example.db");
/** A store whose history ends now, for the snippets that run the command as a prompt does. */
const NOW = join(dir, "now.db");
const BIN = join(dir, "bin");
const HOME = join(dir, "home");
const timeZone = process.env.TZ;

beforeAll(async () => {
  process.env.TZ = "UTC";
  await historyStore(EXAMPLE, { spans: 60_000, end: END, days: 30 });
  // Day and night, with room to spare (about 170 spans an hour): busy up to now at any hour.
  await historyStore(NOW, { spans: 12_000, end: Date.now(), days: 2, hours: "continuous" });
  // `opencode-otel` on PATH, as an installed package puts it there.
  mkdirSync(BIN, { recursive: true });
  mkdirSync(HOME, { recursive: true });
  const shim = join(BIN, "opencode-otel");
  writeFileSync(
    shim,
    `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "dist/cli.js")}" "$@"\n`,
  );
  chmodSync(shim, 0o755);
}, 120_000);
afterAll(() => {
  if (timeZone === undefined) delete process.env.TZ;
  else process.env.TZ = timeZone;
  rmSync(dir, { recursive: true, force: true });
});

const env = (db: string) => ({
  PATH: `${BIN}:/usr/bin:/bin`,
  HOME,
  TZ: "UTC",
  LANG: "C.UTF-8",
  OPENCODE_OTEL_STORE: db,
});

function statusline(db: string, args: string[]): string {
  const run = spawnSync("opencode-otel", ["statusline", ...args], {
    env: env(db),
    encoding: "utf8",
  });
  expect(run.status).toBe(0);
  return run.stdout.trimEnd();
}

describe("README: spend while you work", () => {
  test("the live frame is report --live's frame of the generated month", async () => {
    const reader = await openSpendReader(EXAMPLE);
    try {
      const { budgets, errors } = parseBudgets(
        { daily: { usd: 25 }, weekly: { usd: 100 } },
        { source: "test", home: HOME },
      );
      expect(errors).toEqual([]);
      const frame = frameAt(reader, END, { timeZone: "local", intervalS: 2, budgets });
      expect(block("live-frame")).toBe(`${renderFrame(frame, 100).join("\n")}\n`);
    } finally {
      reader.close();
    }
  });

  test("the statusline example is the command's output on it", () => {
    const example = /\$ opencode-otel statusline\n(.*)\n/.exec(readme)?.[1];
    const at = new Date(END).toISOString();
    expect(statusline(EXAMPLE, ["--at", at, "--dir", `${PROJECT_ROOT}/project-3`])).toBe(
      example ?? "",
    );
  });

  test("the bash snippet puts the statusline in the prompt", () => {
    const format = "{today_cost} today · {block_cost} 5h";
    const expected = statusline(NOW, ["--format", format]);
    expect(expected).toContain(" 5h");
    // What bash shows: the prompt after PROMPT_COMMAND ran, expanded as bash expands it.
    const script = `${block("statusline-bash")}\ncd /tmp\neval "$PROMPT_COMMAND"\nprintf '%s' "\${PS1@P}"`;
    const run = spawnSync("bash", ["--norc", "-c", script], { env: env(NOW), encoding: "utf8" });
    expect(run.stderr).toBe("");
    const sign = process.getuid?.() === 0 ? "#" : "$";
    expect(run.stdout).toBe(`[${expected}] /tmp ${sign} `);
  });

  test("the tmux snippet shows it in tmux's status bar", async () => {
    const conf = join(dir, "tmux.conf");
    writeFileSync(conf, block("statusline-tmux"));
    const format = "{today_cost} today · {block_cost} {block_tokens} 5h";
    const expected = statusline(NOW, ["--format", format]);
    const screen = join(dir, "tmux-screen");
    const socket = `opencode-otel-${process.pid}`;
    // A client attached in a pseudo-terminal: tmux runs `#(...)` for a status line it draws.
    const tmux = `tmux -u -L ${socket} -f ${conf} new-session 'sleep 8'`;
    const run = spawnSync("script", ["-q", "-c", tmux, screen], {
      env: { ...env(NOW), TERM: "xterm-256color" },
      timeout: 30_000,
    });
    spawnSync("tmux", ["-L", socket, "kill-server"], { env: env(NOW) });
    expect(run.error).toBeUndefined();
    // The drawn screen, control sequences and spacing aside (tmux moves the cursor over blanks).
    const esc = String.fromCharCode(27);
    const plain = (text: string) =>
      text
        .replace(new RegExp(`${esc}(\\[[\\d;?]*[A-Za-z]|[()][\\dAB]|[=>])`, "g"), "")
        .replace(/\s+/g, "");
    expect(plain(readFileSync(screen, "utf8"))).toContain(plain(`${expected} (`));
  }, 40_000);

  test("the budgets example is a valid budgets file", () => {
    const { budgets, errors } = parseBudgets(JSON.parse(block("budgets-example")), {
      source: "README",
      home: "/home/dev",
    });
    expect(errors).toEqual([]);
    expect(budgets.limits.map((l) => l.id)).toEqual([
      "daily.usd",
      "weekly.usd",
      "monthly.tokens",
      "session.usd",
      "/home/dev/work/client: daily.usd",
    ]);
  });
});

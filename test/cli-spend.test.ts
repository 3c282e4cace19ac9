/**
 * The spend commands end to end through real stores (the captures replayed through the plugin,
 * and a generated month of one developer's work): `statusline`, `budget` and `report --live`.
 * Every figure they show equals `report --json` over the same window, read through the CLI.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../src/cli/cli.js";
import type { Io } from "../src/cli/io.js";
import { formatMoney, formatShare, formatTokens } from "../src/cli/report/format.js";
import { renderFrame } from "../src/cli/report/live/frame.js";
import { frameAt } from "../src/cli/report/live/run.js";
import { ENTER, LEAVE } from "../src/cli/report/live/terminal.js";
import { BLOCK_MS } from "../src/store/blocks.js";
import type { Report, ReportRow } from "../src/store/index.js";
import { openSpendReader } from "../src/store/spend-reader.js";
import { Store } from "../src/store/store.js";
import type { SpanRow } from "../src/store/types.js";
import { llmCallRow } from "./support/span-maker.js";
import { PROJECT_ROOT } from "./support/spend-history.js";
import { fixtureProject, fixtureStore, historyStore } from "./support/spend-stores.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-cli-spend-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The generated history ends here: a Wednesday afternoon, local time. */
const END = new Date(2026, 2, 18, 15, 30).getTime();
const AT = new Date(END).toISOString();
const HISTORY = join(dir, "history.db");
const FIXTURES = join(dir, "fixtures.db");
/** A home of its own: the remembered block start and the budgets file live under it. */
const HOME = join(dir, "home");
/** A project with a session at work at the end of the history (found in `beforeAll`). */
let PROJECT = "";

beforeAll(async () => {
  mkdirSync(HOME, { recursive: true });
  await historyStore(HISTORY, { spans: 60_000, end: END, days: 30 });
  // The project of the latest call: it has a current session.
  for (let i = 0; i < 20 && !PROJECT; i++) {
    const run = await cli([
      "statusline",
      "--json",
      "--at",
      AT,
      "--db",
      HISTORY,
      "--dir",
      `${PROJECT_ROOT}/project-${i}`,
    ]);
    const s = JSON.parse(run.out) as StatuslineJson;
    if (s.session && s.recent.llmCalls) PROJECT = `${PROJECT_ROOT}/project-${i}`;
  }
  await fixtureStore(FIXTURES);
}, 120_000);

async function cli(argv: string[], options: { columns?: number; env?: Io["env"] } = {}) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    columns: options.columns,
    errIsTty: false,
    interrupted: new Promise(() => undefined),
    env: { HOME, XDG_CACHE_HOME: join(HOME, ".cache"), ...options.env },
  };
  return { code: await runCli(argv, io), out, err };
}

async function report(db: string, args: string[]): Promise<Report> {
  const run = await cli(["report", "--json", "--db", db, ...args]);
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as Report;
}

/** A report's total over `[from, to)`, through the CLI. */
async function reportTotal(db: string, from: number, to: number, args: string[] = []) {
  const since = new Date(from).toISOString();
  const until = new Date(to).toISOString();
  return (await report(db, ["--since", since, "--until", until, ...args])).total;
}

/** The figures both sides show, with room for float sums taken in another order. */
function same(spend: Record<string, unknown>, row: ReportRow) {
  expect(spend).toMatchObject({
    costUsd: expect.closeTo(row.costUsd, 9),
    totalTokens: row.totalTokens,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheReadShare: expect.closeTo(row.cacheReadShare, 12),
    llmCalls: row.llmCalls,
  });
}

interface StatuslineJson {
  at: string;
  project: string | null;
  session: (Record<string, unknown> & { id: string; costUsd: number }) | null;
  today: Record<string, unknown> & { since: string; until: string; costUsd: number };
  block:
    | (Record<string, unknown> & {
        start: string;
        end: string;
        remainingMs: number;
        costUsd: number;
        totalTokens: number;
      })
    | null;
  recent: Record<string, unknown> & { since: string; costUsd: number; totalTokens: number };
  burnRate: { usdPerHour: number; tokensPerMinute: number };
  budgets: Record<string, unknown>[] | null;
}

async function statusline(args: string[], env?: Io["env"]) {
  const run = await cli(["statusline", "--at", AT, "--db", HISTORY, ...args], { env });
  expect(run.err).toBe("");
  expect(run.code).toBe(0);
  return run.out;
}

describe("statusline", () => {
  test("--json: today, the block, the last 15 minutes and the session equal report --json", async () => {
    const project = PROJECT;
    const s = JSON.parse(await statusline(["--json", "--dir", `${project}/src`])) as StatuslineJson;
    const midnight = new Date(END);
    midnight.setHours(0, 0, 0, 0);
    expect(s.at).toBe(AT);
    expect(s.project).toBe(project);
    expect(s.today.since).toBe(midnight.toISOString());
    same(s.today, await reportTotal(HISTORY, midnight.getTime(), END));
    expect(s.today.llmCalls).toBeGreaterThan(10);

    // The block is the report's last 5-hour block, and its figures are that row's.
    const blocks = (await report(HISTORY, ["--by", "block", "--utc", "--until", AT])).rows;
    const last = blocks.at(-1);
    if (!s.block || !last) throw new Error("no block running at the end of the history");
    expect(s.block.start.slice(0, 16).replace("T", " ")).toBe(last.key);
    expect(Date.parse(s.block.end) - Date.parse(s.block.start)).toBe(BLOCK_MS);
    expect(s.block.remainingMs).toBe(Date.parse(s.block.end) - END);
    same(s.block, last);

    // The burn rate: the last 15 minutes' figures per hour and per minute.
    const recent = await reportTotal(HISTORY, END - 15 * 60_000, END);
    expect(recent.llmCalls).toBeGreaterThan(0);
    expect(s.burnRate.usdPerHour).toBeCloseTo(recent.costUsd * 4, 9);
    expect(s.burnRate.tokensPerMinute).toBeCloseTo(recent.totalTokens / 15, 9);
    same(s.recent, recent);

    // The session: the project's latest; its figures are its `report --by session` row.
    if (!s.session) throw new Error("no session in the project");
    const name = project.slice(project.lastIndexOf("/") + 1);
    const sessions = (await report(HISTORY, ["--by", "session", "--project", name])).rows;
    const row = sessions.find((r) => r.key === s.session?.id);
    if (!row) throw new Error(`session ${s.session.id} not in the report`);
    same(s.session, row);
    expect(s.budgets).toBeNull();
  });

  test("the line: each placeholder is the figure of --json, formatted as the report formats it", async () => {
    const project = PROJECT;
    const s = JSON.parse(await statusline(["--json", "--dir", project])) as StatuslineJson;
    if (!s.session || !s.block) throw new Error("no session or block");
    const line = await statusline([
      "--dir",
      project,
      "--format",
      "{session_cost}|{today_cost}|{today_tokens}|{block_cost}|{block_tokens}|{cache}|{burn}|{project}",
    ]);
    expect(line).toBe(
      `${[
        formatMoney(s.session.costUsd),
        formatMoney(s.today.costUsd),
        formatTokens(Number(s.today.totalTokens)),
        formatMoney(s.block.costUsd),
        formatTokens(s.block.totalTokens),
        formatShare(Number(s.session.cacheReadShare)),
        `${formatMoney(s.burnRate.usdPerHour)}/h`,
        project.slice(project.lastIndexOf("/") + 1),
      ].join("|")}\n`,
    );
    // The default line.
    const left = Math.floor(s.block.remainingMs / 60_000);
    expect(await statusline(["--dir", project])).toBe(
      `${formatMoney(s.session.costUsd)} session · ${formatMoney(s.today.costUsd)} today · ` +
        `${formatMoney(s.block.costUsd)} ${formatTokens(s.block.totalTokens)} 5h ` +
        `(${Math.floor(left / 60)}h${String(left % 60).padStart(2, "0")}m left) · ` +
        `${formatShare(Number(s.session.cacheReadShare))} cache\n`,
    );
  });

  test("parts without a value are left out: no session outside a project, no block after 5 idle hours", async () => {
    const outside = await statusline(["--dir", "/elsewhere"]);
    expect(outside).not.toContain("session");
    expect(outside).toMatch(/^\$[\d.,]+ today · /);
    // Six hours after the last call: no block running, so the block part goes; today stays.
    const later = new Date(END + 6 * HOUR).toISOString();
    const run = await cli([
      "statusline",
      "--db",
      HISTORY,
      "--at",
      later,
      "--dir",
      "/elsewhere",
      "--utc",
    ]);
    expect(run.code).toBe(0);
    expect(run.out).not.toContain("5h");
    expect(run.out).toContain("today");
  });

  test("--session: a captured session's figures equal its report row", async () => {
    const rows = (await report(FIXTURES, ["--by", "session"])).rows;
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows.slice(0, 5)) {
      const run = await cli(["statusline", "--json", "--db", FIXTURES, "--session", row.key]);
      expect(run.code).toBe(0);
      const s = JSON.parse(run.out) as StatuslineJson;
      expect(s.session?.id).toBe(row.key);
      same(s.session ?? {}, row);
    }
  });

  test("inside a captured project, the session is that project's latest", async () => {
    const project = fixtureProject("m_permissions_serve");
    const run = await cli(["statusline", "--json", "--db", FIXTURES, "--dir", project]);
    const s = JSON.parse(run.out) as StatuslineJson;
    expect(s.project).toBe(project);
    const rows = (await report(FIXTURES, ["--by", "session", "--project", "m_permissions_serve"]))
      .rows;
    expect(rows.map((r) => r.key)).toContain(s.session?.id ?? "");
  });

  test("a prompt at work reads the store alone: the block starts after the night's break, no file is written", async () => {
    const home = join(dir, "break-home");
    const env = { HOME: home, XDG_CACHE_HOME: join(home, ".cache") };
    const s = JSON.parse(await statusline(["--json"], env)) as StatuslineJson;
    // The history's nights are breaks: the block holding the end started this working day.
    const start = Date.parse(s.block?.start ?? "");
    expect(start).toBeGreaterThan(END - BLOCK_MS);
    expect(new Date(start).getDate()).toBe(new Date(END).getDate());
    expect(existsSync(join(home, ".cache"))).toBe(false);
  });

  test("without a 5-hour break in the last 10,000 calls the block start is remembered: used when it holds, ignored when it does not, same block either way", async () => {
    // A call every 20 minutes for 10,500 calls (146 days) from 06:10 UTC: blocks start every
    // 5 hours from 06:00, each on the hour of its first call, 10 minutes after the last ended.
    const path = join(dir, "continuous.db");
    const t0 = Date.UTC(2025, 9, 1, 6);
    const calls = 10_500;
    const store = await Store.open(path);
    store.insertSpans(
      Array.from({ length: calls }, (_, i) => llmCall(t0 + 600_000 + i * 1_200_000, i)),
    );
    store.close();
    // A minute after the last call, still in its block.
    const at = t0 + 600_000 + (calls - 1) * 1_200_000 + 60_000;
    const expected = t0 + Math.floor((at - t0) / BLOCK_MS) * BLOCK_MS;
    const home = join(dir, "anchor-home");
    const env = { HOME: home, XDG_CACHE_HOME: join(home, ".cache") };
    const file = join(home, ".cache/opencode-otel/blocks.json");
    const run = async () => {
      const out = await cli(
        ["statusline", "--json", "--at", new Date(at).toISOString(), "--db", path],
        { env },
      );
      expect(out.err).toBe("");
      return (JSON.parse(out.out) as StatuslineJson).block;
    };
    const first = await run();
    expect(Date.parse(first?.start ?? "")).toBe(expected);
    const anchors = JSON.parse(readFileSync(file, "utf8")) as Record<string, { start: number }>;
    expect(anchors[resolve(path)]?.start).toBe(expected);
    expect(await run()).toEqual(first);
    // A file from another store's history, or garbage: the walk starts over, same answer.
    for (const content of [
      JSON.stringify({ [resolve(path)]: { first: 1, start: 2 } }),
      "not json",
    ]) {
      writeFileSync(file, content);
      expect(await run()).toEqual(first);
    }
  });

  test("the built CLI sends statusline to its own bundle: the same line, help and errors as the dispatcher's", async () => {
    const built = (args: string[]) =>
      Bun.spawnSync(
        [process.execPath, join(import.meta.dir, "../dist/cli.js"), "statusline", ...args],
        {
          env: { ...process.env, HOME, XDG_CACHE_HOME: join(HOME, ".cache") },
        },
      );
    const args = ["--at", AT, "--db", HISTORY, "--dir", PROJECT];
    for (const extra of [[], ["--json"], ["--format", "{today_cost} {block_end} {burn}"]]) {
      const run = built([...args, ...extra]);
      expect(run.stderr.toString()).toBe("");
      expect(run.stdout.toString()).toBe(await statusline(["--dir", PROJECT, ...extra]));
    }
    const help = built(["--help"]);
    expect(help.stdout.toString()).toBe((await cli(["statusline", "--help"])).out);
    for (const bad of [["--format", "{nope}"], ["--db", join(dir, "none.db")], ["--bogus"]]) {
      const run = built(bad);
      const expected = await cli(["statusline", ...bad]);
      expect([run.exitCode, run.stderr.toString(), run.stdout.toString()]).toEqual([
        expected.code,
        expected.err,
        "",
      ]);
    }
  });

  test("{budget}: the limit nearest its limit; --json lists every budget", async () => {
    const file = join(dir, "statusline-budgets.json");
    writeFileSync(file, JSON.stringify({ daily: { usd: 1000 }, monthly: { tokens: 1e9 } }));
    const s = JSON.parse(await statusline(["--json", "--budgets", file])) as StatuslineJson;
    expect(s.budgets?.map((b) => b.budget)).toEqual(["daily.usd", "monthly.tokens"]);
    const [daily, monthly] = s.budgets ?? [];
    const nearest = Number(daily?.share) > Number(monthly?.share) ? daily : monthly;
    const line = await statusline(["--budgets", file, "--format", "{budget}"]);
    expect(line).toBe(
      `${Math.floor(Number(nearest?.share) * 100)}% of ${nearest === daily ? "$1000.00 daily" : "1.00B tokens monthly"}\n`,
    );
  });

  test("bad input: an unknown placeholder is a usage error; no store is a clear message", async () => {
    const bad = await cli(["statusline", "--db", HISTORY, "--format", "{today_cost} {nope}"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown placeholder {nope}");
    const missing = await cli(["statusline", "--db", join(dir, "none.db")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no telemetry store at");
    expect(missing.out).toBe("");
  });
});

describe("budget", () => {
  const project = `${PROJECT_ROOT}/project-5`;
  const file = join(dir, "budgets.json");
  const budgets = {
    daily: { usd: 1000, tokens: 1_000 },
    weekly: { usd: 1e6 },
    monthly: { tokens: 1e12 },
    session: { usd: 1e6 },
    projects: { [project]: { daily: { usd: 1000 } } },
  };

  test("each limit's spend equals report --json over its period; exit 3 when one is exceeded", async () => {
    writeFileSync(file, JSON.stringify(budgets));
    const run = await cli(["budget", "--json", "--budgets", file, "--db", HISTORY, "--at", AT]);
    expect(run.code).toBe(3);
    const statuses = JSON.parse(run.out) as {
      budget: string;
      spent: number;
      share: number;
      limit: number;
      state: string;
      periodKey: string;
      sessionId: string | null;
    }[];
    const by = (id: string) => {
      const status = statuses.find((s) => s.budget === id);
      if (!status) throw new Error(`no ${id} in ${run.out}`);
      return status;
    };
    const midnight = new Date(END);
    midnight.setHours(0, 0, 0, 0);
    const day = await reportTotal(HISTORY, midnight.getTime(), END);
    expect(by("daily.usd").spent).toBeCloseTo(day.costUsd, 9);
    expect(by("daily.tokens").spent).toBe(day.totalTokens);
    expect(by("daily.tokens").state).toBe("exceeded");
    expect(by("daily.usd").state).toBe("ok");
    // The week from Monday, the month from the 1st (local time).
    const monday = new Date(midnight);
    monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
    expect(by("weekly.usd").spent).toBeCloseTo(
      (await reportTotal(HISTORY, monday.getTime(), END)).costUsd,
      9,
    );
    const first = new Date(midnight.getFullYear(), midnight.getMonth(), 1).getTime();
    expect(by("monthly.tokens").spent).toBe((await reportTotal(HISTORY, first, END)).totalTokens);
    expect(by("monthly.tokens").periodKey).toBe("2026-03");
    // The project's day: its calls only.
    expect(by(`${project}: daily.usd`).spent).toBeCloseTo(
      (await reportTotal(HISTORY, midnight.getTime(), END, ["--project", "project-5"])).costUsd,
      9,
    );
    // The session limit measures the latest session, over its whole life.
    const session = by("session.usd");
    const sessions = (await report(HISTORY, ["--by", "session"])).rows;
    expect(session.spent).toBeCloseTo(
      sessions.find((r) => r.key === session.sessionId)?.costUsd ?? Number.NaN,
      9,
    );

    // The table says the same; under every limit, exit 0.
    const table = await cli(["budget", "--budgets", file, "--db", HISTORY, "--at", AT]);
    expect(table.code).toBe(3);
    expect(table.out).toContain("daily.tokens");
    expect(table.out).toMatch(/daily\.tokens .*EXCEEDED/);
    writeFileSync(file, JSON.stringify({ ...budgets, daily: { usd: 1000 } }));
    const fine = await cli(["budget", "--budgets", file, "--db", HISTORY, "--at", AT]);
    expect(fine.code).toBe(0);
    expect(fine.out).not.toContain("EXCEEDED");
  });

  test("80% is a warning, not a failure: exit 0, state near", async () => {
    const midnight = new Date(END);
    midnight.setHours(0, 0, 0, 0);
    const day = await reportTotal(HISTORY, midnight.getTime(), END);
    // 90.2%, not 90% exactly: sums taken in another order differ in the last bits, and a spend a
    // hair under 90% shows as 89%.
    writeFileSync(file, JSON.stringify({ daily: { usd: day.costUsd / 0.902 } }));
    const run = await cli(["budget", "--budgets", file, "--db", HISTORY, "--at", AT]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/daily\.usd .*90% +near/);
  });

  test("an invalid file is a usage error naming each problem; no file is no budgets", async () => {
    writeFileSync(
      file,
      JSON.stringify({ daily: { eur: 3 }, weekly: { usd: -1 }, warnAt: 2, extra: true }),
    );
    const bad = await cli(["budget", "--budgets", file, "--db", HISTORY]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${file}: daily.eur is not a unit`);
    expect(bad.err).toContain(`${file}: weekly.usd must be a number above 0, got -1`);
    expect(bad.err).toContain("warnAt must be a number between 0 and 1");
    expect(bad.err).toContain("unknown key extra");
    writeFileSync(file, "{ not json");
    expect((await cli(["budget", "--budgets", file, "--db", HISTORY])).err).toContain("not JSON");
    const none = await cli(["budget", "--db", HISTORY], {
      env: { XDG_CONFIG_HOME: join(dir, "no-config") },
    });
    expect(none.code).toBe(0);
    expect(none.err).toContain("No budgets set");
    expect((await cli(["budget", "--budgets", join(dir, "nope.json")])).code).toBe(2);
  });
});

describe("report --live", () => {
  /** A store whose history ends now, so the live view has a today, a block and sessions. */
  const LIVE = join(dir, "live.db");
  beforeAll(async () => {
    // Day and night, with room to spare (about 170 spans an hour): busy up to now at any hour.
    await historyStore(LIVE, { spans: 12_000, end: Date.now(), days: 2, hours: "continuous" });
  }, 60_000);

  test("a pipe gets plain frames; the figures equal the statusline's and report --json", async () => {
    let out = "";
    let frames = 0;
    let stop: () => void = () => undefined;
    const io: Io = {
      out: (text) => {
        out += text;
        frames += 1;
        if (frames === 2) stop();
      },
      err: () => undefined,
      columns: undefined,
      errIsTty: false,
      interrupted: new Promise<void>((resolve) => {
        stop = resolve;
      }),
      env: { HOME, XDG_CONFIG_HOME: join(dir, "no-config") },
    };
    const code = await runCli(["report", "--live", "--interval", "0.1", "--db", LIVE], io);
    expect(code).toBe(0);
    expect(out).not.toContain("\x1b");
    const frame = out.split("\n\n\n")[0] ?? "";
    expect(frame).toContain("live spend");
    expect(frame).toMatch(/Burn rate +\$[\d.,]+\/h · [\d.,kM]+ tokens\/min \(last 15 min\)/);
    expect(frame).toMatch(/Projected +\$[\d.,]+ today by midnight · \$[\d.,]+ in this block by /);
    expect(frame).toContain("Sessions at work");
    const stamp = /live spend · (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/.exec(frame)?.[1] ?? "";
    const at = new Date(stamp.replace(" ", "T")).getTime();
    const midnight = new Date(at);
    midnight.setHours(0, 0, 0, 0);
    // Figures rounded as shown: today's cost and tokens to the frame's second.
    const today = await reportTotal(LIVE, midnight.getTime(), at + 1000);
    const todayLine = frame.split("\n").find((line) => line.startsWith("Today")) ?? "";
    const [, cost, tokens] = /^Today +(\S+) +(\S+)/.exec(todayLine) ?? [];
    const earlier = await reportTotal(LIVE, midnight.getTime(), at);
    expect([formatMoney(today.costUsd), formatMoney(earlier.costUsd)]).toContain(cost ?? "");
    expect([formatTokens(today.totalTokens), formatTokens(earlier.totalTokens)]).toContain(
      tokens ?? "",
    );
  });

  test("at a terminal: the alternate screen, frames drawn in place, the terminal given back on Ctrl-C", async () => {
    let out = "";
    let stop: () => void = () => undefined;
    const io: Io = {
      out: (text) => {
        out += text;
        if (out.split("\x1b[H").length > 2) stop();
      },
      err: () => undefined,
      columns: 100,
      rows: 30,
      errIsTty: true,
      interrupted: new Promise<void>((resolve) => {
        stop = resolve;
      }),
      env: { HOME, XDG_CONFIG_HOME: join(dir, "no-config") },
    };
    expect(await runCli(["report", "--live", "--interval", "0.1", "--db", LIVE], io)).toBe(0);
    expect(out.startsWith(ENTER)).toBe(true);
    expect(out.endsWith(LEAVE)).toBe(true);
    // Every line of every frame fits the 100 columns, control sequences aside.
    const esc = String.fromCharCode(27);
    const controls = new RegExp(`${esc}\\[[\\d;?]*[A-Za-z]`, "g");
    for (const line of out.split("\n").flatMap((l) => l.split(`${esc}[H`)))
      expect(line.replace(controls, "").length).toBeLessThanOrEqual(100);
  });

  test("the real command ends with exit 0 on Ctrl-C (SIGINT) within a second", async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dir, "../dist/cli.js"), "report", "--live", "--db", LIVE],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME } },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes("Burn rate") && Date.now() < deadline) await Bun.sleep(50);
    expect(out).toContain("Burn rate");
    const signalled = Date.now();
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(1_000);
  }, 30_000);

  test("a frame's burn rate and projections: the last 15 minutes' rate, to midnight and to the block's end", async () => {
    const reader = await openSpendReader(LIVE);
    try {
      const at = Date.now();
      const frame = frameAt(reader, at, { timeZone: "local", intervalS: 2, budgets: undefined });
      const s = frame.snapshot;
      const midnight = new Date(at);
      midnight.setHours(24, 0, 0, 0);
      expect(frame.dayEnd).toBe(midnight.getTime());
      const recent = await reportTotal(LIVE, at - 15 * 60_000, at);
      expect(s.burn.usdPerHour).toBeCloseTo(recent.costUsd * 4, 9);
      expect(s.burn.tokensPerMinute).toBeCloseTo(recent.totalTokens / 15, 9);
      const byMidnight =
        s.today.spend.costUsd + (s.burn.usdPerHour * (midnight.getTime() - at)) / HOUR;
      const lines = renderFrame(frame, undefined).join("\n");
      expect(lines).toContain(`Projected   ${formatMoney(byMidnight)} today by midnight`);
      if (!s.block) throw new Error("no block running at the end of the history");
      const byBlockEnd = s.block.spend.costUsd + (s.burn.usdPerHour * (s.block.end - at)) / HOUR;
      expect(lines).toContain(`${formatMoney(byBlockEnd)} in this block by `);
      // The sessions at work: those with a call in the last 15 minutes, their cost over all time.
      const sessions = (await report(LIVE, ["--by", "session"])).rows;
      expect(frame.sessions.length).toBeGreaterThan(0);
      for (const session of frame.sessions) {
        expect(session.lastMs).toBeGreaterThanOrEqual(at - 15 * 60_000);
        const row = sessions.find((r) => r.key === session.sessionId);
        expect(session.total.costUsd).toBeCloseTo(row?.costUsd ?? Number.NaN, 9);
      }
    } finally {
      reader.close();
    }
  });

  test("--live takes no grouping or range", async () => {
    const run = await cli(["report", "--live", "--by", "model", "--db", LIVE]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("--live shows today and the current block");
  });
});

/** The local date of an ISO time, as a day row's key. */
function breakdownDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

describe("report extras through the CLI", () => {
  test("--by block, --by project, --breakdown and the cache-hit column", async () => {
    const since = new Date(END - 2 * DAY).toISOString();
    const blocks = await cli(["report", "--by", "block", "--since", since, "--db", HISTORY]);
    expect(blocks.code).toBe(0);
    expect(blocks.out).toContain("Cache hit");
    const json = await report(HISTORY, ["--by", "block", "--since", since]);
    for (const row of json.rows) expect(blocks.out).toContain(row.key);
    const projects = await report(HISTORY, ["--by", "project"]);
    expect(projects.rows.map((r) => r.key).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `${PROJECT_ROOT}/project-${i}`).sort(),
    );
    const breakdown = await report(HISTORY, ["--by", "week", "--breakdown", "--since", since]);
    for (const row of breakdown.rows) {
      expect(row.breakdown?.length).toBeGreaterThan(0);
      expect(row.breakdown?.reduce((n, r) => n + r.llmCalls, 0)).toBe(row.llmCalls);
    }
    // At a terminal of 160 columns, the days and model names are shown whole.
    const text = await cli(
      ["report", "--by", "day", "--breakdown", "--since", since, "--db", HISTORY],
      { columns: 160 },
    );
    expect(text.out).toContain(`\n${breakdownDay(since)} `);
    expect(text.out).toMatch(/\n {2}model-\d /);
    expect(Math.max(...text.out.split("\n").map((line) => line.length))).toBeLessThanOrEqual(160);
    const wrong = await cli(["report", "--by", "model", "--breakdown", "--db", HISTORY]);
    expect(wrong.code).toBe(2);
  });
});

/** One LLM call at `ms` (epoch ms), a second long. */
function llmCall(ms: number, i: number): SpanRow {
  return llmCallRow({
    traceId: "cd".repeat(16),
    index: i,
    startMs: ms,
    attributes: {
      "session.id": `ses_${i % 3}`,
      "gen_ai.request.model": "m",
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 10,
      "llm.cost.total": 0.001,
    },
  });
}

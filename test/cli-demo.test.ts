/**
 * `opencode-otel demo` end to end: real opencode 1.18.33 with the built plugin (run `npm run
 * build` first; `npm test` does), the scripted model, offline. Both ways into the store work,
 * and the report's numbers are what the scripted model reported for each LLM call.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../src/cli/cli.js";
import { USAGE } from "../src/cli/demo/model.js";
import { PRICES } from "../src/cli/demo/opencode.js";
import type { Io } from "../src/cli/io.js";
import type { Report } from "../src/store/index.js";

const BUILT = existsSync(join(import.meta.dir, "..", "dist", "index.js"));

/** The CLI with recorded output; `terminal: false` is a pipe (no columns). */
async function cli(argv: string[], terminal = true) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    columns: terminal ? 160 : undefined,
    errIsTty: false,
    interrupted: new Promise(() => undefined),
    env: {},
  };
  return { code: await runCli(argv, io), out, err };
}

/** The demo makes 7 LLM calls: 3 in turn 1, 2 in turn 2 and 2 in its subagent. */
const CALLS = 7;
const perCall = {
  input: USAGE.prompt - USAGE.cached,
  cacheRead: USAGE.cached,
  output: USAGE.completion,
  cost:
    ((USAGE.prompt - USAGE.cached) * PRICES.input +
      USAGE.completion * PRICES.output +
      USAGE.cached * PRICES.cache_read) /
    1e6,
};

describe.if(BUILT)("demo", () => {
  for (const via of ["auto", "otlp"] as const) {
    test(`--via ${via}: runs opencode, then prints the report and the session's tree`, async () => {
      const { code, out, err } = await cli(["demo", "--via", via, "--keep"]);
      expect(err).toContain("demo: turn 2/2");
      expect(code).toBe(0);
      expect(out).toContain("Usage per session");
      expect(out).toContain("Usage per tool");
      expect(out).toMatch(/^Total\s+\$0\.0053\s+1,050\s+700\s+210\s+140/m);
      // The session's trace: its start marker at the root, the session span under it.
      expect(out).toMatch(/^opencode\.session\.start /m);
      expect(out).toMatch(/└─ opencode\.session .* agent build/);
      expect(out).toMatch(/│ {2}└─ opencode\.session .* agent general · subagent/);
      expect(out).toContain("· 1 retry");
      if (via === "otlp") expect(out).toContain("OTLP/HTTP to an in-process `opencode-otel serve`");

      const db = /into (\S+\.db)/.exec(out)?.[1] ?? "";
      try {
        const json = await cli(["report", "--db", db, "--by", "model", "--json"]);
        const report: Report = JSON.parse(json.out);
        expect(report.rows.map((r) => r.key)).toEqual(["demo-model"]);
        expect(report.total).toMatchObject({
          llmCalls: CALLS,
          inputTokens: CALLS * perCall.input,
          cacheReadTokens: CALLS * perCall.cacheRead,
          outputTokens: CALLS * perCall.output,
          retries: 1,
          toolCalls: 4,
          toolSuccessRate: 1,
          sessions: 2,
        });
        expect(report.total.costUsd).toBeCloseTo(CALLS * perCall.cost, 9);
      } finally {
        rmSync(join(db, ".."), { recursive: true, force: true });
      }
    }, 120_000);
  }

  test("--ui: ends by printing the viewer's URL, which shows the run until Ctrl-C", async () => {
    let out = "";
    let stop: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let sessions: unknown;
    const io: Io = {
      out: (text) => {
        out += text;
        const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(text)?.[0];
        if (!url) return;
        // A person opens the printed URL: it logs in, then the page's API lists the run.
        (async () => {
          const login = await fetch(url, { redirect: "manual" });
          const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
          const api = await fetch(`${new URL(url).origin}/api/sessions`, { headers: { cookie } });
          sessions = await api.json();
        })().finally(stop);
      },
      err: () => undefined,
      columns: 160,
      errIsTty: false,
      interrupted,
      env: {},
    };
    expect(await runCli(["demo", "--via", "local", "--ui"], io)).toBe(0);
    expect(out.trimEnd().split("\n").at(-1)).toMatch(/^ {2}http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(sessions).toMatchObject({ total: 2 });

    // Not at a terminal (no columns): it ends, keeping the store for the printed command.
    const piped = await cli(["demo", "--via", "local", "--ui"], false);
    expect(piped.code).toBe(0);
    const command = /opencode-otel ui --db (\S+) --open/.exec(piped.out);
    expect(command?.[1] && existsSync(command[1])).toBe(true);
    rmSync(join(command?.[1] ?? "", ".."), { recursive: true, force: true });
  }, 240_000);
});

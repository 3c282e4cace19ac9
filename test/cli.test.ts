/**
 * The `opencode-otel` command line as scripts see it: `--help` for every command, exit codes
 * (0 ok, 1 runtime failure, 2 usage error) and one clear line on stderr for bad input, a missing
 * store, a damaged store and a port in use.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../src/cli/args.js";
import { COMMANDS, runCli } from "../src/cli/cli.js";
import { parseDate } from "../src/cli/dates.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "../src/cli/errors.js";
import type { Io } from "../src/cli/io.js";
import { unsupportedRuntime } from "../src/cli/runtime.js";
import { describeStoreError } from "../src/cli/store.js";
import { StoreError, type StoreErrorCode } from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process with captured output; `interrupt` stands for Ctrl-C. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    columns: 100,
    errIsTty: false,
    interrupted: new Promise(() => undefined),
    env: { XDG_DATA_HOME: join(dir, "xdg"), ...env },
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe("help", () => {
  test("the program help lists every command and the exit codes", async () => {
    const { code, out } = await cli(["--help"]);
    expect(code).toBe(EXIT_OK);
    for (const command of COMMANDS) expect(out).toContain(`  ${command.name}  `);
    expect(out).toContain("Exit codes:");
    expect(out).toMatch(/2\s+usage error/);
  });

  test("no command at all prints the help and is a usage error", async () => {
    const { code, out } = await cli([]);
    expect(code).toBe(EXIT_USAGE);
    expect(out).toContain("Usage: opencode-otel <command>");
  });

  for (const command of COMMANDS) {
    test(`${command.name} --help documents every option, with an example`, async () => {
      const { code, out, err } = await cli([command.name, "--help"]);
      expect(code).toBe(EXIT_OK);
      expect(err).toBe("");
      expect(out).toContain(`Usage: opencode-otel ${command.name}`);
      for (const option of command.options) expect(out).toContain(`--${option.name}`);
      expect(out).toContain(`opencode-otel ${command.name}`);
      expect((await cli(["help", command.name])).out).toBe(out);
    });
  }

  test("--help wins over other, even invalid, options", async () => {
    const { code, out } = await cli(["report", "--since", "never", "--help"]);
    expect(code).toBe(EXIT_OK);
    expect(out).toContain("--by GROUP");
  });
});

describe("usage errors exit 2 with one line naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["report", "--bogus"], /unknown option --bogus/],
    [["report", "extra"], /unexpected argument "extra"/],
    [
      ["report", "--by", "planet"],
      /--by must be one of day, week, month, block, session, model, agent, tool, project \(got "planet"\)/,
    ],
    [["report", "--since"], /--since needs a value/],
    [["report", "--since", "--json"], /--since needs a value/],
    [["report", "--since", "last tuesday"], /cannot read "last tuesday" as a date/],
    [["report", "--since", "2025-02-30"], /"2025-02-30" is not a calendar date/],
    [["report", "--since", "2025-03-01", "--until", "2025-02-01"], /must be before --until/],
    [["report", "--json=yes"], /--json takes no value/],
    [["serve", "--port", "70000"], /--port must be a port number/],
    [["serve", "--port", "http"], /--port must be a port number/],
    [["serve", "--token="], /--token must not be empty/],
    [["export"], /--endpoint URL is required/],
    [["export", "--endpoint", "localhost:4318"], /--endpoint: expected an/],
    [["export", "--endpoint", "http://x", "--protocol", "udp"], /--protocol must be one of/],
    [["export", "--endpoint", "http://x", "--headers", "novalue"], /--headers: entry 1 has no "="/],
    [["export", "--endpoint", "http://x", "--batch", "0"], /--batch must be a whole number/],
    [["demo", "--via", "carrier-pigeon"], /--via must be one of auto, local, otlp/],
  ];
  for (const [argv, message] of cases) {
    test(argv.join(" "), async () => {
      const { code, out, err } = await cli(argv);
      expect(code).toBe(EXIT_USAGE);
      expect(out).toBe("");
      expect(err).toMatch(message);
      expect(err.trim().split("\n")).toHaveLength(1);
    });
  }

  test("a header value never appears in an error", async () => {
    const { err } = await cli(["export", "--endpoint", "http://x", "--headers", "a=%zzsecret"]);
    expect(err).toContain("--headers");
    expect(err).not.toContain("secret");
  });
});

describe("runtime failures exit 1", () => {
  test("report without a store says how to get one", async () => {
    const db = join(dir, "missing", "telemetry.db");
    const { code, err } = await cli(["report", "--db", db]);
    expect(code).toBe(EXIT_FAILURE);
    expect(err).toBe(
      `opencode-otel report: no telemetry store at ${db}; run opencode with the plugin's local ` +
        "exporter or `opencode-otel serve` first\n",
    );
  });

  test("the store path comes from OPENCODE_OTEL_STORE, then the user data folder", async () => {
    const fromEnv = join(dir, "env.db");
    expect((await cli(["report"], { OPENCODE_OTEL_STORE: fromEnv })).err).toContain(fromEnv);
    const xdg = join(dir, "xdg", "opencode-otel", "telemetry.db");
    expect((await cli(["export", "--endpoint", "http://127.0.0.1:9"])).err).toContain(xdg);
  });

  test("a relative HOME gives no default store: said, never one under the working folder", () => {
    const cwd = mkdtempSync(join(tmpdir(), "opencode-otel-cli-home-"));
    const result = spawnSync(
      process.execPath,
      [join(import.meta.dir, "../dist/cli.js"), "report"],
      {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: "." },
        encoding: "utf8",
      },
    );
    expect(result.status).toBe(EXIT_FAILURE);
    expect(result.stderr).toContain(
      'no default store: the home folder is not an absolute path (HOME="."); pass --db FILE or set OPENCODE_OTEL_STORE',
    );
    // Bun itself (the runtime) may keep its install cache in `$HOME/.bun`.
    expect(readdirSync(cwd).filter((name) => name !== ".bun")).toEqual([]);
  });

  test("a file that is not a store is reported as damaged", async () => {
    const db = join(dir, "garbage.db");
    writeFileSync(
      db,
      "this is not a SQLite database, just some text that is long enough".repeat(100),
    );
    const { code, err } = await cli(["report", "--db", db]);
    expect(code).toBe(EXIT_FAILURE);
    expect(err).toContain(`the store at ${db} is damaged or not a telemetry store`);
  });

  test("serve on a port in use names the port and the option to change it", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address ? address.port : 0);
      }),
    );
    try {
      const db = join(dir, "serve.db");
      const { code, err } = await cli(["serve", "--db", db, "--port", String(port), "--no-grpc"]);
      expect(code).toBe(EXIT_FAILURE);
      expect(err).toContain(`HTTP port ${port} on 127.0.0.1 is in use`);
      expect(err).toContain("--port");
    } finally {
      blocker.close();
    }
  });
});

describe("store failures in words", () => {
  const cases: [StoreErrorCode, RegExp, number][] = [
    ["no-store", /no telemetry store at \/x\.db; run opencode with the plugin's local exporter/, 1],
    ["locked", /the store at \/x\.db is locked by another process \(waited 5 s\); try again/, 1],
    ["corrupt", /the store at \/x\.db is damaged or not a telemetry store \(detail\)/, 1],
    ["newer-schema", /detail; upgrade opencode-otel to read \/x\.db/, 1],
    ["no-sqlite", /^detail$/, EXIT_USAGE],
    ["sqlite", /store error at \/x\.db: detail/, 1],
  ];
  for (const [code, message, exitCode] of cases) {
    test(code, () => {
      const error = describeStoreError(new StoreError(code, "detail"), "/x.db");
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(exitCode);
    });
  }
});

describe("argument parsing", () => {
  const specs = [
    { name: "by", value: "GROUP", description: "", choices: ["day", "model"] },
    { name: "since", value: "DATE", description: "" },
    { name: "json", description: "" },
  ];

  test("reads --name value, --name=value and flags; the last repeat wins", () => {
    const args = parseArgs(["--by", "day", "--since=2025-01-01", "--json", "--by=model"], specs);
    expect(args).toEqual({ help: false, values: { by: "model", since: "2025-01-01", json: true } });
  });

  test("a value may contain '=' and start with '-'", () => {
    expect(parseArgs(["--since=a=b"], specs).values.since).toBe("a=b");
    expect(parseArgs(["--since", "-1"], specs).values.since).toBe("-1");
  });

  test("errors are UsageErrors (exit 2)", () => {
    expect(() => parseArgs(["-x"], specs)).toThrow(UsageError);
    const error = new UsageError("x");
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(EXIT_USAGE);
  });
});

describe("dates", () => {
  const now = new Date(2025, 5, 15, 13, 30); // 15 June 2025, 13:30 local

  test("calendar days and months are local midnight", () => {
    expect(parseDate("2025-06-01", "since", now)).toBe(new Date(2025, 5, 1).getTime());
    expect(parseDate("2025-06", "since", now)).toBe(new Date(2025, 5, 1).getTime());
    expect(parseDate("today", "since", now)).toBe(new Date(2025, 5, 15).getTime());
    expect(parseDate("yesterday", "since", now)).toBe(new Date(2025, 5, 14).getTime());
  });

  test("relative spans count back from now", () => {
    expect(parseDate("7d", "since", now)).toBe(now.getTime() - 7 * 86_400_000);
    expect(parseDate("12h", "since", now)).toBe(now.getTime() - 12 * 3_600_000);
    expect(parseDate("2w", "since", now)).toBe(now.getTime() - 14 * 86_400_000);
  });

  test("ISO timestamps keep their zone", () => {
    expect(parseDate("2025-06-01T10:00:00Z", "until", now)).toBe(Date.UTC(2025, 5, 1, 10));
  });

  test("anything else names the accepted forms", () => {
    for (const bad of ["2025-13-01", "2025-6-1", "06/01/2025", "soon", "7", "2025-06-01T99:00Z"]) {
      expect(() => parseDate(bad, "since", now)).toThrow(UsageError);
    }
  });
});

describe("runtime check", () => {
  const versions = (node: string, bun?: string) => ({ node, bun });

  test("Bun and Node 22.13+ can open the store", () => {
    expect(unsupportedRuntime(versions("20.0.0", "1.4.5"))).toBeUndefined();
    expect(unsupportedRuntime(versions("22.13.0"))).toBeUndefined();
    expect(unsupportedRuntime(versions("24.1.0"))).toBeUndefined();
  });

  test("older Node gets a message naming what to install", () => {
    for (const node of ["20.20.2", "22.12.0", "18.0.0"]) {
      expect(unsupportedRuntime(versions(node))).toContain(
        "opencode-otel needs Node 22.13+ (Node 22 or 24) or Bun",
      );
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultAlertsDir, defaultBudgetsPath } from "../src/budget/paths.js";
import { xdgFolder } from "../src/config/folders.js";
import { parseConfig } from "../src/config/parse.js";
import { Spool } from "../src/delivery/spool.js";
import {
  closedPort,
  type Front,
  matching,
  namesIn,
  pluginEnv,
  runChild,
  startFront,
} from "./support/delivery.js";

const DIST = join(import.meta.dir, "../dist/index.js");
const ROOT = process.getuid?.() === 0;
// Another user, for folders and files that are not ours (only root can make them).
const NOBODY = 65534;
const SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- do not send me";

let front: Front;
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  front = await startFront(() => ({
    status: 200,
    headers: { "content-type": "application/x-protobuf" },
  }));
});
afterAll(async () => {
  await front.close();
});

const scratch = () => mkdtempSync(join(tmpdir(), "otel-spool-sec-"));
const mode = (path: string) => lstatSync(path).mode & 0o777;

async function downRun(spool: string, extra: Record<string, string> = {}) {
  const port = await closedPort();
  return runChild(
    "b1_multiturn_run",
    0,
    pluginEnv(`http://127.0.0.1:${port}`, spool, {
      OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
      ...extra,
    }),
  );
}

describe("the spool is private", () => {
  test("a folder the plugin creates is 0700 (parents too) and every file in it 0600", async () => {
    const base = scratch();
    const spool = join(base, "state", "opencode-otel", "spool");
    const result = await downRun(spool);
    expect(result.code).toBe(0);
    const files = namesIn(spool);
    expect(files.length).toBeGreaterThan(0);
    expect(mode(spool)).toBe(0o700);
    expect(mode(join(base, "state"))).toBe(0o700);
    for (const name of files) {
      expect(name).toMatch(/\.otlp$/);
      expect(mode(join(spool, name))).toBe(0o600);
    }
    expect(matching(result.logs, /not delivered yet are kept in/).length).toBeGreaterThan(0);
  }, 30_000);

  test("a folder of ours that others may read (an earlier version's 0755) is made 0700", () => {
    const spool = join(scratch(), "spool");
    mkdirSync(spool, { mode: 0o755 });
    chmodSync(spool, 0o755);
    const store = new Spool(spool, 1024 * 1024);
    store.write("traces", "pb", new Uint8Array([1, 2, 3]));
    expect(mode(spool)).toBe(0o700);
  });

  test("names are unpredictable: a random part no pid, clock or counter gives away", () => {
    const spool = join(scratch(), "spool");
    const a = new Spool(spool, 64 * 1024 * 1024, undefined, 4242);
    const b = new Spool(spool, 64 * 1024 * 1024, undefined, 4242);
    const random = (path: string) => /-([0-9a-f]{16})-traces-pb\.otlp/.exec(path)?.[1];
    const names = Array.from({ length: 100 }, (_, i) =>
      random((i % 2 ? a : b).write("traces", "pb", new Uint8Array([i])).path),
    );
    expect(names.every((name) => name !== undefined)).toBe(true);
    expect(new Set(names).size).toBe(100);
  });
});

describe("symlinks are never followed", () => {
  test("links planted at every name the old scheme would use leave their target untouched", () => {
    const spool = join(scratch(), "spool");
    mkdirSync(spool, { mode: 0o700 });
    const victim = join(scratch(), "authorized_keys");
    writeFileSync(victim, "ssh-ed25519 AAAA original\n");
    const pid = 777;
    // `<ms>-<pid>-<seq>-traces-pb.tmp` and `.otlp.<pid>.claim` for the next two seconds.
    const now = Date.now();
    for (let ms = now - 50; ms < now + 2000; ms++) {
      const stem = `${String(ms).padStart(14, "0")}-${pid}-00000001-traces-pb`;
      symlinkSync(victim, join(spool, `${stem}.tmp`));
      symlinkSync(victim, join(spool, `${stem}.otlp.${pid}.claim`));
    }
    const store = new Spool(spool, 64 * 1024 * 1024, undefined, pid);
    const { path } = store.write("traces", "pb", new TextEncoder().encode("telemetry"));
    expect(readFileSync(victim, "utf8")).toBe("ssh-ed25519 AAAA original\n");
    expect(lstatSync(path).isFile()).toBe(true);
    expect(mode(path)).toBe(0o600);
  });

  test("a link named like a spool file, pointing at a private key, is never read or sent", async () => {
    const spool = join(scratch(), "spool");
    mkdirSync(spool, { mode: 0o700 });
    const key = join(scratch(), "id_ed25519");
    writeFileSync(key, SECRET, { mode: 0o600 });
    symlinkSync(key, join(spool, "00000000000001-1-00000001-traces-pb.otlp"));
    symlinkSync(key, join(spool, "00000000000002-0000000000000001-traces-pb.otlp.1.claim"));
    // A hard link is a regular file of ours, but not one the spool wrote.
    linkSync(key, join(spool, "00000000000003-1-00000003-traces-pb.otlp"));
    if (ROOT) {
      const foreign = join(spool, "00000000000004-1-00000004-traces-pb.otlp");
      writeFileSync(foreign, SECRET);
      chownSync(foreign, NOBODY, NOBODY);
    }
    front.requests.length = 0;
    const result = await runChild("a_single", 0, pluginEnv(front.url, spool));
    expect(result.code).toBe(0);
    // The run itself was delivered…
    expect(front.spanNames()).toContain("opencode.session");
    // …and nothing of the key was.
    for (const request of front.requests) expect(request.body.includes(SECRET)).toBe(false);
    expect(readFileSync(key, "utf8")).toBe(SECRET);
    expect(
      lstatSync(join(spool, "00000000000001-1-00000001-traces-pb.otlp")).isSymbolicLink(),
    ).toBe(true);
  }, 30_000);
});

describe("a folder that is not private is refused, and exports stay in memory", () => {
  const cases: { name: string; root: boolean; prepare: (spool: string) => string | undefined }[] = [
    {
      name: "writable by everyone (0777)",
      root: false,
      prepare: (spool) => {
        mkdirSync(spool);
        chmodSync(spool, 0o777);
        return undefined;
      },
    },
    {
      name: "writable by its group (0770)",
      root: false,
      prepare: (spool) => {
        mkdirSync(spool);
        chmodSync(spool, 0o770);
        return undefined;
      },
    },
    {
      name: "owned by another user",
      root: true,
      prepare: (spool) => {
        mkdirSync(spool, { mode: 0o700 });
        chownSync(spool, NOBODY, NOBODY);
        return undefined;
      },
    },
    {
      name: "a symlink another user planted, pointing at one of our folders",
      root: true,
      prepare: (spool) => {
        const victim = join(scratch(), "victim");
        mkdirSync(victim, { mode: 0o700 });
        symlinkSync(victim, spool);
        lchownSync(spool, NOBODY, NOBODY);
        return victim;
      },
    },
  ];
  test.each(cases)(
    "$name",
    async ({ root, prepare }) => {
      if (root && !ROOT) return; // Needs root to make a file another user owns.
      const spool = join(scratch(), "spool");
      const victim = prepare(spool);
      const result = await downRun(spool);
      expect(result.code).toBe(0);
      const refusals = matching(result.logs, /not using the spool folder/);
      expect(refusals).toHaveLength(1);
      expect(refusals[0]?.message).toContain(spool);
      // Nothing was written there (nor where a link points), and the exit log does not claim it.
      expect(namesIn(spool)).toEqual([]);
      if (victim) expect(namesIn(victim)).toEqual([]);
      expect(matching(result.logs, /not delivered yet are kept in/)).toEqual([]);
      expect(
        matching(result.logs, /lost \d+ traces export\(s\) \(\d+ span\(s\)\) at exit/),
      ).toHaveLength(1);
    },
    30_000,
  );
});

describe("the default folder is never inside the working directory", () => {
  test("a relative XDG_STATE_HOME is ignored (XDG spec); a relative or missing HOME gives none", () => {
    const dir = (env: Record<string, string>) =>
      parseConfig({ env: { OPENCODE_ENABLE_TELEMETRY: "1", ...env } }).config.spool.dir;
    expect(dir({ HOME: "/home/u" })).toBe("/home/u/.local/state/opencode-otel/spool");
    expect(dir({ HOME: "/home/u", XDG_STATE_HOME: "/s" })).toBe("/s/opencode-otel/spool");
    expect(dir({ HOME: "/home/u", XDG_STATE_HOME: "state" })).toBe(
      "/home/u/.local/state/opencode-otel/spool",
    );
    expect(dir({ XDG_STATE_HOME: "./state" })).toBe("");
    expect(dir({ HOME: "." })).toBe("");
    expect(dir({})).toBe("");
  });

  test("nor are the local store, the budgets file, budget alerts and the installation id", () => {
    const local = (env: Record<string, string>, home?: string) =>
      parseConfig({
        env: { OPENCODE_ENABLE_TELEMETRY: "1", OPENCODE_OTEL_LOCAL: "1", ...env },
        home,
      }).config.local;
    expect(local({ HOME: "/home/u" }).path).toBe("/home/u/.local/share/opencode-otel/telemetry.db");
    expect(local({ HOME: "." }).path).toBe("");
    expect(local({}, "relative").path).toBe("");
    expect(local({ XDG_DATA_HOME: "/d" }).path).toBe("/d/opencode-otel/telemetry.db");
    expect(defaultBudgetsPath({ HOME: "." }, "linux")).toBeUndefined();
    expect(defaultAlertsDir({ HOME: "home", XDG_STATE_HOME: "state" })).toBeUndefined();
    expect(defaultAlertsDir({ HOME: "/h" })).toBe("/h/.local/state/opencode-otel/budget-alerts");
    expect(xdgFolder({ HOME: "./h", XDG_CONFIG_HOME: "c" }, "CONFIG")).toBeUndefined();
  });

  test("with HOME unset, opencode's project folder gets no spool and the log says so", async () => {
    const project = scratch();
    const port = await closedPort();
    const env = pluginEnv(`http://127.0.0.1:${port}`, "", {
      OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
    });
    const result = await runChild("a_single", 0, env, { cwd: project });
    expect(result.code).toBe(0);
    expect(namesIn(project)).toEqual([]);
    expect(matching(result.logs, /^opencode-otel: the spool is off/)).toHaveLength(1);
    expect(matching(result.logs, /lost \d+ traces export\(s\).*the spool is off/)).toHaveLength(1);
  }, 30_000);
  test("a relative HOME gives no local store, installation id or spool in the project; the log says so", async () => {
    const project = scratch();
    const port = await closedPort();
    const env = pluginEnv(`http://127.0.0.1:${port}`, "", {
      HOME: ".",
      OPENCODE_OTEL_LOCAL: "1",
      OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
    });
    const result = await runChild("a_single", 0, env, { cwd: project });
    expect(result.code).toBe(0);
    // Bun itself (the runtime, as under opencode) keeps its install cache in `$HOME/.bun`.
    expect(namesIn(project).filter((name) => name !== ".bun")).toEqual([]);
    expect(
      matching(result.logs, /^opencode-otel: the local store is off: no absolute HOME/),
    ).toHaveLength(1);
    expect(matching(result.logs, /^opencode-otel: the spool is off/)).toHaveLength(1);
  }, 30_000);

  test("an explicitly relative spool folder or store file is refused with a warning", async () => {
    const project = scratch();
    const port = await closedPort();
    const env = pluginEnv(`http://127.0.0.1:${port}`, "spool", {
      OPENCODE_OTEL_LOCAL: "1",
      OPENCODE_OTEL_STORE: "telemetry.db",
      OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
    });
    const result = await runChild("a_single", 0, env, { cwd: project });
    expect(result.code).toBe(0);
    expect(namesIn(project)).toEqual([]);
    expect(
      matching(
        result.logs,
        /OPENCODE_OTEL_SPOOL_DIR "spool" is not an absolute path.*the spool is off/,
      ),
    ).toHaveLength(1);
    expect(
      matching(
        result.logs,
        /OPENCODE_OTEL_STORE "telemetry.db" is not an absolute path.*the local store is off/,
      ),
    ).toHaveLength(1);
    // What could not be delivered is said lost, not claimed kept.
    expect(matching(result.logs, /lost \d+ traces export\(s\)/)).toHaveLength(1);
  }, 30_000);
});

describe("files of unknown kinds", () => {
  test("count toward spoolMaxMb (and are left alone); stale temporary files are removed", () => {
    const spool = join(scratch(), "spool");
    mkdirSync(spool, { mode: 0o700 });
    const notes = join(spool, "notes.txt");
    writeFileSync(notes, Buffer.alloc(60 * 1024, 1));
    // A temporary file of a process that is gone (pid 2^22 + 1 is above Linux's pid_max).
    const stale = join(spool, "00000000000001-00000001-0123456789abcdef-traces-pb.4194305.tmp");
    writeFileSync(stale, "partial");
    const messages: string[] = [];
    const log = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => messages.push(message),
      error: () => undefined,
    };
    const store = new Spool(spool, 64 * 1024, log);
    let dropped = 0;
    for (let i = 0; i < 3; i++)
      dropped += store.write("traces", "pb", Buffer.alloc(4 * 1024, i)).dropped;
    // 60 KiB of notes + 3 × 4 KiB > 64 KiB: the oldest spool files went, the notes stayed.
    expect(dropped).toBeGreaterThan(0);
    expect(statSync(notes).size).toBe(60 * 1024);
    expect(existsSync(stale)).toBe(false);
    expect(
      messages.some((m) => /1 file\(s\) in the spool folder .* are not spool files/.test(m)),
    ).toBe(true);
  });
});

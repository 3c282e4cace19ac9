/**
 * `opencode-otel ui` and the viewer on `serve`, as real processes over HTTP: the token in the
 * printed URL becomes a cookie, anything without it gets 401 and no data, every answer carries
 * a strict Content-Security-Policy, and open pages hear about other processes' writes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { IncomingMessage, request } from "node:http";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { checkRequest, viewerAuth } from "../src/cli/ui/auth.js";
import { startViewer } from "../src/cli/ui/server.js";
import { type SessionListRow, Store } from "../src/store/index.js";
import { fillStore } from "./support/store-fill.js";

const ROOT = join(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const CLI = join(ROOT, "dist", "cli.js");
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-ui-server-"));
const path = join(dir, "telemetry.db");
const children: ChildProcess[] = [];

beforeAll(async () => {
  await fillStore(path, ["a_single", "d_subagent_serve"]);
}, 30_000);

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI and resolves with the first line matching `pattern` (stdout or stderr). */
function startCli(
  args: string[],
  pattern: RegExp,
): Promise<{ child: ChildProcess; match: string }> {
  const child = spawn(BUN, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern}`)), 20_000);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        const match = pattern.exec(line)?.[0];
        if (!match) return;
        clearTimeout(timer);
        resolve({ child, match });
      });
    }
    child.on("exit", (code) => reject(new Error(`exited with ${code} before printing ${pattern}`)));
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET (fetch cannot set Host), with a deadline. */
function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

describe("opencode-otel ui", () => {
  let url: URL;
  let child: ChildProcess;
  let cookie = "";
  let script = "/assets/main.js";

  beforeAll(async () => {
    const started = await startCli(
      ["ui", "--db", path],
      /^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/,
    );
    url = new URL(started.match);
    child = started.child;
  }, 30_000);

  test("prints a loopback URL whose token logs in and is then dropped from the address", async () => {
    expect(url.searchParams.get("token")?.length).toBeGreaterThanOrEqual(24);
    const login = await get(url.href);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/");
    const set = String(login.headers["set-cookie"]);
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Strict");
    cookie = set.split(";")[0] ?? "";
    const page = await get(`${url.origin}/sessions`, { cookie });
    expect(page.status).toBe(200);
    // The script is named by a hash of its content, so the browser may keep it for good.
    script =
      /<script type="module" async src="(\/assets\/main-[a-z0-9]+\.js)">/.exec(page.body)?.[1] ??
      "";
    expect(script).not.toBe("");
    const asset = await get(`${url.origin}${script}`, { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers["cache-control"]).toContain("immutable");
    // A deep link works with the cookie, and the token works on it too.
    const deep = await get(`${url.origin}/session/ses_x?token=${url.searchParams.get("token")}`);
    expect(deep.status).toBe(303);
    expect(deep.headers.location).toBe("/session/ses_x");
  });

  test("serves data only with the token: cookie or bearer", async () => {
    const ok = await get(`${url.origin}/api/sessions`, { cookie });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).total).toBe(3);
    const bearer = await get(`${url.origin}/api/facets`, {
      authorization: `Bearer ${url.searchParams.get("token")}`,
    });
    expect(bearer.status).toBe(200);
    const wrong: Record<string, string>[] = [
      {},
      { cookie: `${cookie.split("=")[0]}=wrong-token-value` },
      { authorization: "Bearer wrong" },
    ];
    for (const headers of wrong) {
      for (const where of ["/", "/api/sessions", "/api/usage", "/api/events", script]) {
        const denied = await get(`${url.origin}${where}`, headers);
        expect(denied.status).toBe(401);
        expect(denied.body).not.toContain("ses_");
      }
    }
    expect((await get(`${url.origin}/?token=wrong`)).status).toBe(401);
  });

  test("answers only to loopback host names (no DNS rebinding)", async () => {
    const rebound = await get(`${url.origin}/api/sessions`, { cookie, host: "evil.example:80" });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain("ses_");
    const named = await get(`${url.origin}/api/sessions`, {
      cookie,
      host: `localhost:${url.port}`,
    });
    expect(named.status).toBe(200);
  });

  test("every answer has a strict Content-Security-Policy and no caching of data", async () => {
    for (const where of ["/sessions", "/api/sessions", script]) {
      const answer = await get(`${url.origin}${where}`, { cookie });
      const csp = String(answer.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain("unsafe");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.headers["referrer-policy"]).toBe("no-referrer");
    }
    expect((await get(`${url.origin}/api/sessions`, { cookie })).headers["cache-control"]).toBe(
      "no-store",
    );
    expect((await get(`${url.origin}/api/sessions`, { cookie }, "POST")).status).toBe(405);
    expect((await get(`${url.origin}/api/sessions?sort=nope`, { cookie })).status).toBe(400);
    expect((await get(`${url.origin}/api/sessions/ses_nope`, { cookie })).status).toBe(404);
  });

  test("a session page carries the session's data, and no text in it can end its element", async () => {
    // A title that would close the data's element and run a script, were it not escaped.
    const title = "</script><script>alert(1)</script>";
    const writer = await Store.open(path);
    const root = writer.spans(0, 100).items.find((span) => span.name === "opencode.session");
    if (!root) throw new Error("no session span");
    writer.insertSpans([
      {
        ...root,
        traceId: "c".repeat(32),
        spanId: "00000000000000c1",
        attributes: { ...root.attributes, "session.id": "ses_quoted", "session.title": title },
      },
    ]);
    writer.close();
    // A sessions request applies new rows to the index.
    await get(`${url.origin}/api/sessions`, { cookie });
    const page = await get(`${url.origin}/session/ses_quoted`, { cookie });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(title);
    const data =
      /<script type="application\/json" id="viewer-data" data-url="\/api\/sessions\/ses_quoted">([^<]*)<\/script>/.exec(
        page.body,
      )?.[1] ?? "null";
    const api = await get(`${url.origin}/api/sessions/ses_quoted`, { cookie });
    expect(JSON.parse(data)).toEqual(JSON.parse(api.body));
    expect(JSON.parse(data).session.title).toBe(title);
    // Pages of other views carry nothing.
    expect((await get(`${url.origin}/sessions`, { cookie })).body).not.toContain("viewer-data");
  });

  test("an open event stream hears of another process's write within 2 s", async () => {
    const events: string[] = [];
    const heard = new Promise<number>((resolve, reject) => {
      const req = request(`${url.origin}/api/events`, { headers: { cookie } }, (res) => {
        expect(res.headers["content-type"]).toContain("text/event-stream");
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          events.push(chunk);
          if (chunk.includes("event: change")) {
            resolve(Date.now());
            req.destroy();
          }
        });
      });
      req.on("error", (error) => {
        if (!events.join("").includes("event: change")) reject(error);
      });
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const writer = await Store.open(path);
    const span = writer.spans(0, 1).items[0];
    if (!span) throw new Error("empty store");
    writer.insertSpans([{ ...span, spanId: "00000000000000bb" }]);
    const written = Date.now();
    writer.close();
    expect((await heard) - written).toBeLessThan(2000);
    const change = events.join("").split("event: change\ndata: ")[1]?.split("\n")[0] ?? "{}";
    expect(JSON.parse(change).traces).toEqual([span.traceId]);
  });

  test("stops on SIGTERM with exit 0", async () => {
    const done = exited(child);
    child.kill("SIGTERM");
    expect(await done).toBe(0);
  });
});

describe("a large store", () => {
  test("is read in steps while the viewer answers, and open pages hear when the read is done", async () => {
    const store = await Store.open(path);
    const whole = store.sessionIndex();
    whole.load();
    // Every store counts as large here: the read goes in steps between requests.
    const viewer = await startViewer({ store, host: "127.0.0.1", port: 0, readAtOnceUpTo: 0 });
    const auth = { authorization: `Bearer ${viewer.token}` };
    try {
      const events: string[] = [];
      const done = new Promise<void>((resolve) => {
        const req = request(`${viewer.origin}/api/events`, { headers: auth }, (res) => {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            events.push(chunk);
            if (chunk.includes('"all":true')) {
              resolve();
              req.destroy();
            }
          });
        });
        req.on("error", () => undefined);
        req.end();
      });
      for (;;) {
        const answer = await get(`${viewer.origin}/api/sessions?limit=500`, auth);
        expect(answer.status).toBe(200);
        const page = JSON.parse(answer.body);
        if (page.loading === undefined) {
          const want = whole.page({ limit: 500 });
          expect(page.total).toBe(want.total);
          page.rows.forEach((row: SessionListRow, i: number) => {
            // Sums taken in other steps may differ in the last bits.
            expect(row.costUsd).toBeCloseTo(want.rows[i]?.costUsd ?? -1, 12);
            expect({ ...row, costUsd: 0 }).toEqual({ ...(want.rows[i] ?? row), costUsd: 0 });
          });
          break;
        }
        expect(page.loading).toBeGreaterThanOrEqual(0);
        expect(page.loading).toBeLessThanOrEqual(1);
      }
      await done;
      expect(events.join("")).toContain("event: change");
    } finally {
      await viewer.close();
      store.close();
    }
  });
});

describe("the viewer elsewhere", () => {
  test("serve answers it on its HTTP port with a token of its own; OTLP paths are unchanged", async () => {
    const { child, match } = await startCli(
      ["serve", "--port", "0", "--no-grpc", "--db", path, "--token", "otlp-secret"],
      /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/,
    );
    const viewer = new URL(match);
    expect(viewer.searchParams.get("token")).not.toBe("otlp-secret");
    expect((await get(viewer.href)).status).toBe(303);
    expect((await get(`${viewer.origin}/api/sessions`)).status).toBe(401);
    expect((await get(`${viewer.origin}/v1/profiles`, {}, "POST")).status).toBe(404);
    const otlp = await get(
      `${viewer.origin}/v1/traces`,
      { authorization: "Bearer otlp-secret", "content-type": "text/plain" },
      "POST",
    );
    expect(otlp.status).toBe(415);
    // Two tokens, two rights: the OTLP token reads nothing, the viewer's token writes nothing.
    const read = await get(`${viewer.origin}/api/sessions`, {
      authorization: "Bearer otlp-secret",
    });
    expect(read.status).toBe(401);
    expect(read.body).not.toContain("ses_");
    const write = await get(
      `${viewer.origin}/v1/traces`,
      {
        authorization: `Bearer ${viewer.searchParams.get("token")}`,
        "content-type": "application/x-protobuf",
      },
      "POST",
    );
    expect(write.status).toBe(401);
    const done = exited(child);
    child.kill("SIGINT");
    expect(await done).toBe(0);
  }, 30_000);

  test("serve counts viewer requests against its request limit: 429 while OTLP fills it", async () => {
    const { child, match } = await startCli(
      ["serve", "--port", "0", "--no-grpc", "--db", path, "--max-requests", "1"],
      /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/,
    );
    const viewer = new URL(match);
    const auth = { authorization: `Bearer ${viewer.searchParams.get("token")}` };
    expect((await get(`${viewer.origin}/api/sessions`, auth)).status).toBe(200);
    // An OTLP request whose body is still arriving holds the only slot.
    const held = request(`${viewer.origin}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-length": "1000" },
    });
    const heldAnswer = new Promise<number>((resolve, reject) => {
      held.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      held.on("error", reject);
    });
    held.write(Buffer.alloc(10));
    let busy: Answer | undefined;
    for (let tries = 0; tries < 50; tries++) {
      busy = await get(`${viewer.origin}/api/sessions`, auth);
      if (busy.status === 429) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(busy?.status).toBe(429);
    expect(busy?.headers["retry-after"]).toBe("1");
    expect(busy?.body).not.toContain("ses_");
    held.end(Buffer.alloc(990));
    expect(await heldAnswer).toBe(400);
    const after = await get(`${viewer.origin}/api/sessions`, auth);
    expect(after.status).toBe(200);
    expect(after.body).toContain("ses_");
    const done = exited(child);
    child.kill("SIGINT");
    expect(await done).toBe(0);
  }, 30_000);

  test("--open hands the printed URL to the platform's opener", async () => {
    // A stand-in `xdg-open` first on PATH records what it was asked to open.
    const bin = join(dir, "bin");
    const opened = join(dir, "opened.txt");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\necho "$1" > "${opened}"\n`, { mode: 0o755 });
    const child = spawn(BUN, [CLI, "ui", "--db", path, "--open"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    });
    children.push(child);
    const url = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (line.startsWith("http://")) resolve(line);
      }),
    );
    const deadline = Date.now() + 5000;
    while (!existsSync(opened) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(opened, "utf8").trim()).toBe(url);
    const done = exited(child);
    child.kill("SIGTERM");
    expect(await done).toBe(0);
  }, 30_000);

  test("--host rules as for serve: a loopback address checks Host, another one still needs the token", () => {
    const asked = (host: string, headers: Record<string, string>, path = "/api/sessions") => {
      const req = new IncomingMessage(new Socket());
      req.headers = headers;
      return checkRequest(
        viewerAuth({ token: "t".repeat(24), host, port: 4320 }),
        req,
        new URL(path, "http://x"),
      );
    };
    const bearer = { authorization: `Bearer ${"t".repeat(24)}` };
    expect(asked("127.0.0.1", { ...bearer, host: "evil.example" }).kind).toBe("denied");
    expect(asked("::1", { ...bearer, host: "[::1]:4320" }).kind).toBe("ok");
    // On purpose on the network: any name reaches it (a teammate's), but never without the token.
    expect(asked("0.0.0.0", { ...bearer, host: "build-box.lan:4320" }).kind).toBe("ok");
    expect(asked("0.0.0.0", { host: "build-box.lan:4320" })).toEqual({
      kind: "denied",
      status: 401,
      reason: "missing or wrong token",
    });
    expect(asked("0.0.0.0", { host: "build-box.lan" }, "/?token=wrong").kind).toBe("denied");
  });

  test("a short --token is a usage error", async () => {
    const child = spawn(BUN, [CLI, "ui", "--db", path, "--token", "short"], { stdio: "ignore" });
    children.push(child);
    expect(await exited(child)).toBe(2);
  });
});

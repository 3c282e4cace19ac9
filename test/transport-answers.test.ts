import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTransport } from "../src/delivery/transport.js";
import {
  type Answer,
  type Front,
  matching,
  namesIn,
  pluginEnv,
  type Recorded,
  referenceSpans,
  runChild,
  startFront,
} from "./support/delivery.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";

const DIST = join(import.meta.dir, "../dist/index.js");
const CAPTURE = "b1_multiturn_run";
const IDLE = 99;
const HTML = "<!doctype html><html><body>Sign in to continue</body></html>";

let receiver: Receiver;
const fronts: Front[] = [];
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  for (const front of fronts.splice(0)) await front.close();
});
afterAll(async () => {
  await receiver.close();
});

async function front(answer: (request: Recorded, self: string) => Answer): Promise<Front> {
  let self = "";
  const started = await startFront((request) => answer(request, self));
  self = started.url;
  fronts.push(started);
  return started;
}

const scratch = () => join(mkdtempSync(join(tmpdir(), "otel-answers-")), "spool");

/** A page that answers a GET: what a POST turned into a GET would find. */
const page: Answer = { status: 200, headers: { "content-type": "text/html" }, body: HTML };

describe("an answer that is not a delivery keeps the data, and the fixed endpoint gets it all", () => {
  const cases: {
    name: string;
    answer: (self: string) => Answer;
    says: (self: string) => RegExp;
  }[] = [301, 302, 303].map((status) => ({
    name: `${status} to another address`,
    answer: (self) => ({ status, headers: { location: `${self}/moved/v1/traces` } }),
    says: (self) =>
      new RegExp(
        `cannot deliver traces \\(HTTP ${status} redirect to ${self}/moved/v1/traces; an OTLP request is not re-sent as a GET`,
      ),
  }));
  cases.push({
    name: "200 with an HTML page",
    answer: () => page,
    says: () => /cannot deliver traces \(HTTP 200 with a text\/html body, not an OTLP response/,
  });

  test.each(cases)(
    "$name",
    async ({ answer, says }) => {
      const bad = await front((request, self) => (request.method === "GET" ? page : answer(self)));
      const spool = scratch();
      const first = await runChild(
        CAPTURE,
        0,
        pluginEnv(bad.url, spool, { OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000" }),
      );
      expect(first.code).toBe(0);
      // Never followed as a GET; said in words, naming where it points; kept.
      expect(bad.requests.filter((request) => request.method !== "POST")).toEqual([]);
      expect(matching(first.logs, says(bad.url))).toHaveLength(1);
      expect(matching(first.logs, /traces export\(s\) not delivered yet are kept in/)).toHaveLength(
        1,
      );
      expect(matching(first.logs, /lost/)).toEqual([]);

      receiver.reset();
      const second = await runChild(CAPTURE, IDLE, pluginEnv(receiver.httpUrl, spool));
      expect(second.code).toBe(0);
      expect(receiver.spans.map((span) => span.name).sort()).toEqual(
        await referenceSpans(CAPTURE, 0),
      );
      expect(receiver.logs.length).toBeGreaterThan(0);
      expect(namesIn(spool)).toEqual([]);
    },
    30_000,
  );
});

describe("307 and 308 keep the method and body", () => {
  test("followed to another origin: everything arrives there, the credentials do not", async () => {
    const status = 307;
    const bad = await front((request) => ({
      status,
      headers: { location: `${receiver.httpUrl}${request.url}` },
    }));
    receiver.reset();
    const result = await runChild(
      CAPTURE,
      0,
      pluginEnv(bad.url, scratch(), { OPENCODE_OTLP_HEADERS: "authorization=Bearer s3cret" }),
    );
    expect(result.code).toBe(0);
    expect(receiver.spans.map((span) => span.name).sort()).toEqual(
      await referenceSpans(CAPTURE, 0),
    );
    expect(bad.requests.every((request) => request.headers.authorization === "Bearer s3cret")).toBe(
      true,
    );
    expect(receiver.requestLog.length).toBeGreaterThan(0);
    for (const request of receiver.requestLog)
      expect(request.headers.authorization).toBeUndefined();
  }, 30_000);

  test("followed on the same origin with the credentials; a loop stops after 3 hops", async () => {
    const moved = await front(
      (request): Answer =>
        request.url.startsWith("/moved/")
          ? { status: 200, headers: { "content-type": "application/x-protobuf" } }
          : request.url.startsWith("/loop")
            ? { status: 308, headers: { location: "/loop" } }
            : { status: 308, headers: { location: `/moved${request.url}` } },
    );
    const send = (path: string) =>
      createTransport({
        signal: "traces",
        protocol: "http/protobuf",
        endpoint: `${moved.url}${path}`,
        timeoutMs: 5000,
        compression: "none",
      }).send(new Uint8Array([0x0a, 0x00]), { authorization: "Bearer s3cret" });

    expect(await send("/v1/traces")).toEqual({ kind: "ok" });
    expect(moved.requests.map((request) => [request.url, request.headers.authorization])).toEqual([
      ["/v1/traces", "Bearer s3cret"],
      ["/moved/v1/traces", "Bearer s3cret"],
    ]);

    moved.requests.length = 0;
    const looped = await send("/loop");
    expect(looped.kind).toBe("retry");
    expect(looped.kind === "retry" && looped.reason).toContain("more than 3 redirects");
    expect(moved.requests).toHaveLength(4);
  });
});

/** An `Export*ServiceResponse` whose `partial_success` rejects `count` items with `message`. */
function partialSuccess(count: number, message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const inner = [0x08, count, 0x12, text.length, ...text];
  return new Uint8Array([0x0a, inner.length, ...inner]);
}

describe("partial success", () => {
  test("rejected spans are counted and logged, at most once a minute plus a total at exit", async () => {
    const partial = await front((request) =>
      request.url === "/v1/traces"
        ? {
            status: 200,
            headers: { "content-type": "application/x-protobuf" },
            body: partialSuccess(3, "span too old"),
          }
        : { status: 200, headers: { "content-type": "application/x-protobuf" } },
    );
    const spool = scratch();
    // Paced: each of the seven turns is a request of its own, each partly rejected.
    const result = await runChild(
      "c2_errors_serve",
      0,
      pluginEnv(partial.url, spool, { OPENCODE_OTLP_COMPRESSION: "none" }),
      { extra: ["--pace-ms", "150"] },
    );
    expect(result.code).toBe(0);
    const requests = partial.requests.filter((request) => request.url === "/v1/traces").length;
    expect(requests).toBeGreaterThan(2);
    const lines = matching(
      result.logs,
      /the traces collector accepted \d+ request\(s\) only in part/,
    );
    // The first at once, the rest summed up at exit.
    expect(lines).toHaveLength(2);
    expect(lines[0]?.message).toContain('it rejected 3 span(s) ("span too old")');
    expect(lines.at(-1)?.message).toContain(`${3 * requests} rejected in all`);
    // Accepted is accepted: nothing kept for a resend.
    expect(namesIn(spool)).toEqual([]);
  }, 30_000);

  test("over http/json: rejectedLogRecords and errorMessage", async () => {
    const partial = await front((request) => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body:
        request.url === "/v1/logs"
          ? JSON.stringify({
              partialSuccess: { rejectedLogRecords: "2", errorMessage: "attribute too long" },
            })
          : "{}",
    }));
    const result = await runChild(
      "a_single",
      0,
      pluginEnv(partial.url, scratch(), { OPENCODE_OTLP_PROTOCOL: "http/json" }),
    );
    expect(result.code).toBe(0);
    const lines = matching(result.logs, /the logs collector accepted 1 request\(s\) only in part/);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toContain('it rejected 2 log record(s) ("attribute too long")');
    expect(matching(result.logs, /the traces collector accepted/)).toEqual([]);
  }, 30_000);
});

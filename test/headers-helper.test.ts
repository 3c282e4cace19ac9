import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPluginInstance } from "../src/plugin.js";
import { parseHelperOutput } from "../src/sdk/headers-helper.js";
import { loadFixture } from "./support/fixtures.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";
import { replay } from "./support/replay.js";

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

describe("headers helper", () => {
  test("runs without a shell, refreshes on 401 and retries once; values never reach the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "otel-helper-"));
    const counter = join(dir, "runs");
    writeFileSync(counter, "0");
    const script = join(dir, "helper.mjs");
    writeFileSync(
      script,
      `import { readFileSync, writeFileSync } from "node:fs";
const n = Number(readFileSync(${JSON.stringify(counter)}, "utf8")) + 1;
writeFileSync(${JSON.stringify(counter)}, String(n));
process.stdout.write(JSON.stringify({ authorization: "Bearer tok-secret-" + n }));`,
    );
    receiver.reset();
    receiver.failNext({ status: 401, count: 1, signal: "traces" });
    const messages: string[] = [];
    await replay(loadFixture("a_single"), {
      env: {
        OPENCODE_ENABLE_TELEMETRY: "1",
        OPENCODE_OTLP_PROTOCOL: "http/protobuf",
        OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
        OPENCODE_DISABLE_METRICS: "1",
        OPENCODE_OTEL_SPOOL_DIR: join(dir, "spool"),
        OPENCODE_DISABLE_LOGS: "1",
        // `$HOME` would expand in a shell; run without one it is just an argument.
        OPENCODE_OTLP_HEADERS_HELPER: `${process.execPath} ${script} $HOME`,
      },
      logSink: (_level, message) => messages.push(message),
    });
    const traces = receiver.requestLog.filter((request) => request.signal === "traces");
    expect(traces[0]?.failedWith).toBe(401);
    expect(traces[0]?.headers.authorization).toBe("Bearer tok-secret-1");
    const retried = traces.find((request) => request.failedWith === undefined);
    expect(retried?.headers.authorization).toBe("Bearer tok-secret-2");
    expect(readFileSync(counter, "utf8")).toBe("2");
    expect(receiver.spans.some((span) => span.name === "opencode.session")).toBe(true);
    expect(messages.join("\n")).not.toContain("tok-secret");
  });

  test("reads JSON objects and Name: value lines, and rejects anything else", () => {
    expect(parseHelperOutput('{"a":"1","b":2}')).toEqual({ a: "1" });
    expect(parseHelperOutput("Authorization: Bearer x\nx-team=abc\n")).toEqual({
      Authorization: "Bearer x",
      "x-team": "abc",
    });
    expect(parseHelperOutput("")).toBeUndefined();
    expect(parseHelperOutput("[1,2]")).toBeUndefined();
  });
});

describe("a collector that is down or stuck", () => {
  test("startup does not wait on the network, and dispose gives up in time and spools the rest", async () => {
    // Accepts connections and never answers: the worst kind of collector.
    const sockets: import("node:net").Socket[] = [];
    const stuck: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => stuck.listen(0, "127.0.0.1", resolve));
    const address = stuck.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const messages: string[] = [];
    const spoolDir = mkdtempSync(join(tmpdir(), "otel-stuck-"));
    const started = performance.now();
    const instance = await createPluginInstance({
      env: {
        OPENCODE_ENABLE_TELEMETRY: "1",
        OPENCODE_OTLP_PROTOCOL: "http/protobuf",
        OPENCODE_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "500",
        OPENCODE_OTEL_SPOOL_DIR: spoolDir,
      },
      logSink: (_level, message) => messages.push(message),
    });
    const startup = performance.now() - started;
    for (const record of loadFixture("a_single")) {
      const input = record.input as { event?: unknown } | undefined;
      if (record.hook === "event") void instance.hooks.event?.({ event: input?.event });
    }
    const disposing = performance.now();
    await instance.hooks.dispose?.();
    const dispose = performance.now() - disposing;
    for (const socket of sockets) socket.destroy();
    stuck.close();
    expect(startup).toBeLessThan(1_000);
    // The outbox gives up inside dispose's deadline and keeps the rest for the next process.
    expect(dispose).toBeGreaterThanOrEqual(300);
    expect(dispose).toBeLessThan(1_500);
    expect(messages.some((message) => message.includes(`kept in ${spoolDir}`))).toBe(true);
    expect(readdirSync(spoolDir).some((name) => name.includes("-traces-pb.otlp"))).toBe(true);
  }, 15_000);
});

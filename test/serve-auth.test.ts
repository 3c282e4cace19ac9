/**
 * `serve` as a network service, its credentials: a non-loopback address needs a token (or a
 * flag that says it is insecure); the token comes from a file or the environment and never
 * shows in the process list; the scheme is case-insensitive; `export` takes its headers the
 * same ways. Real `opencode-otel` processes, real loopback servers, real files.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { Store } from "../src/store/index.js";
import { startOtlpReceiver } from "./support/otlp-receiver.js";
import { runCliProcess, startServe } from "./support/serve-process.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-serve-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = `tok-${crypto.randomUUID()}`;
const tokenFile = join(dir, "token");
writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

const SPANS_JSON = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: "ab".repeat(16),
              spanId: "cd".repeat(8),
              name: "auth-test",
              startTimeUnixNano: "1000000",
              endTimeUnixNano: "2000000",
            },
          ],
        },
      ],
    },
  ],
});

const post = (url: string, authorization?: string) =>
  fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body: SPANS_JSON,
  });

/** The command line the kernel shows every local user (`ps`, /proc/<pid>/cmdline). */
const commandLine = (pid: number | undefined) =>
  readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");

describe("serve on a non-loopback address", () => {
  test("refuses to start without a token, before opening the store", async () => {
    const db = join(dir, "refused.db");
    const result = await runCliProcess(["serve", "--host", "0.0.0.0", "--db", db]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("refusing to listen on 0.0.0.0 without a token");
    expect(result.err).toContain("--token-file");
    expect(result.err).toContain("--insecure-no-auth");
    expect(existsSync(db)).toBe(false);
  });

  test("says so when the token file can be read by other users", async () => {
    const loose = join(dir, "loose-token");
    writeFileSync(loose, TOKEN);
    chmodSync(loose, 0o644);
    const serve = await startServe({
      args: ["--no-grpc", "--db", join(dir, "loose.db"), "--token-file", loose],
    });
    expect(serve.stderr()).toContain("can be read by other users (mode 644)");
    expect(await serve.stop()).toBe(0);
  });
});

describe("the serve token", () => {
  test("comes from a file, never shows in the process list, and any case of `Bearer` works", async () => {
    const db = join(dir, "file.db");
    const serve = await startServe({
      args: ["--grpc-port", "0", "--db", db, "--token-file", tokenFile],
    });
    try {
      expect(commandLine(serve.child.pid)).not.toContain(TOKEN);
      expect(serve.stderr()).toContain(`requires a bearer token (from --token-file ${tokenFile})`);
      expect((await post(serve.httpUrl)).status).toBe(401);
      expect((await post(serve.httpUrl, `Bearer wrong-${TOKEN}`)).status).toBe(401);
      expect((await post(serve.httpUrl, `Basic ${TOKEN}`)).status).toBe(401);
      expect((await post(serve.httpUrl, `Bearer ${TOKEN}x`)).status).toBe(401);
      for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"])
        expect((await post(serve.httpUrl, `${scheme} ${TOKEN}`)).status).toBe(200);
      expect(await grpcStatus(serve.grpcUrl ?? "", `bearer ${TOKEN}`)).toBe(0);
      expect(await grpcStatus(serve.grpcUrl ?? "", `bearer nope`)).toBe(16); // UNAUTHENTICATED
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    const store = await Store.open(db, { mustExist: true });
    expect(store.trace("ab".repeat(16)).map((s) => s.name)).toEqual(["auth-test"]);
    store.close();
  });

  test("comes from OPENCODE_OTEL_SERVE_TOKEN", async () => {
    const serve = await startServe({
      args: ["--no-grpc", "--db", join(dir, "env.db")],
      env: { OPENCODE_OTEL_SERVE_TOKEN: TOKEN },
    });
    try {
      expect(commandLine(serve.child.pid)).not.toContain(TOKEN);
      expect((await post(serve.httpUrl)).status).toBe(401);
      expect((await post(serve.httpUrl, `bearer ${TOKEN}`)).status).toBe(200);
    } finally {
      await serve.stop();
    }
  });

  test("an empty token file, or a file and --token together, is a usage error", async () => {
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n", { mode: 0o600 });
    const a = await runCliProcess(["serve", "--token-file", empty, "--db", join(dir, "x.db")]);
    expect(a.code).toBe(2);
    expect(a.err).toContain("is empty");
    const b = await runCliProcess(["serve", "--token-file", tokenFile, "--token", "t"]);
    expect(b.code).toBe(2);
    expect(b.err).toContain("not both");
  });
});

/** One gRPC trace export with the given authorization metadata; resolves to the status code. */
function grpcStatus(url: string, authorization: string): Promise<number> {
  const Client = makeGenericClientConstructor(
    {
      Export: {
        path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: Buffer) => value,
        requestDeserialize: (value: Buffer) => value,
        responseSerialize: (value: Buffer) => value,
        responseDeserialize: (value: Buffer) => value,
      },
    },
    "TraceService",
  );
  const client = new Client(url.replace(/^http:\/\//, ""), credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", authorization);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
      (value: Buffer) => value,
      (value: Buffer) => value,
      Buffer.alloc(0),
      metadata,
      (error: { code?: number } | null) => {
        client.close();
        resolve(error?.code ?? 0);
      },
    );
  });
}

describe("export's headers", () => {
  const T0 = 1_750_000_000_000_000_000n;
  async function filled(name: string): Promise<string> {
    const db = join(dir, `${name}.db`);
    const store = await Store.open(db);
    store.insertSpans([
      {
        traceId: "ef".repeat(16),
        spanId: "01".repeat(8),
        parentSpanId: "",
        name: "exported",
        kind: 1,
        startNs: T0,
        endNs: T0 + 1000n,
        statusCode: 0,
        statusMessage: "",
        serviceName: "s",
        attributes: {},
        resource: { "service.name": "s" },
        events: [],
      },
    ]);
    store.close();
    return db;
  }

  test("come from --headers-file (one per line) or OPENCODE_OTEL_EXPORT_HEADERS, not the command line", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const headersFile = join(dir, "headers");
      writeFileSync(
        headersFile,
        `# the team backend\nx-api-key=${TOKEN}\nauthorization=Bearer%20${TOKEN}\n`,
        { mode: 0o600 },
      );
      const fromFile = await runCliProcess([
        "export",
        "--endpoint",
        receiver.httpUrl,
        "--db",
        await filled("headers-file"),
        "--headers-file",
        headersFile,
      ]);
      expect(fromFile.err).not.toContain(TOKEN);
      expect(fromFile.code).toBe(0);
      const fromEnv = await runCliProcess(
        ["export", "--endpoint", receiver.httpUrl, "--db", await filled("headers-env")],
        { OPENCODE_OTEL_EXPORT_HEADERS: `x-api-key=${TOKEN}` },
      );
      expect(fromEnv.code).toBe(0);
      expect(receiver.requestLog.length).toBeGreaterThanOrEqual(2);
      for (const request of receiver.requestLog) expect(request.headers["x-api-key"]).toBe(TOKEN);
      expect(receiver.requestLog[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    } finally {
      await receiver.close();
    }
  });
});

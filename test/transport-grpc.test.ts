import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type handleUnaryCall,
  type MethodDefinition,
  Server,
  ServerCredentials,
  status,
} from "@grpc/grpc-js";
import { createTransport, type SendResult } from "../src/delivery/transport.js";
import {
  closedPort,
  matching,
  namesIn,
  pluginEnv,
  referenceSpans,
  runChild,
} from "./support/delivery.js";
import { decodeProtobufRequest } from "./support/otlp-decode.js";
import { normalizeTraces } from "./support/otlp-normalize.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";

const DIST = join(import.meta.dir, "../dist/index.js");
const SIGNALS = ["traces", "metrics", "logs"] as const;
const SERVICES = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
  logs: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

/** A gRPC server answering the three OTLP Export methods with `handle`; its port. */
async function exportServer(
  host: string,
  credentials: ServerCredentials,
  handle: (signal: (typeof SIGNALS)[number]) => handleUnaryCall<Buffer, Buffer>,
): Promise<{ port: number; close: () => void }> {
  const server = new Server();
  for (const signal of SIGNALS) {
    const method: MethodDefinition<Buffer, Buffer> = {
      path: SERVICES[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: (value) => value,
      requestDeserialize: (value) => value,
      responseSerialize: (value) => value,
      responseDeserialize: (value) => value,
    };
    server.addService({ Export: method }, { Export: handle(signal) });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, close: () => server.forceShutdown() };
}

/**
 * A gRPC server that is not an OTLP receiver: it answers the OTLP methods with UNIMPLEMENTED, as
 * a server without those services does, and counts the calls.
 */
async function notOtlp(): Promise<{ url: string; calls: number[]; close: () => void }> {
  const calls = [0];
  const server = await exportServer(
    "127.0.0.1",
    ServerCredentials.createInsecure(),
    (signal) => (_call, callback) => {
      calls[0] = (calls[0] ?? 0) + 1;
      callback({ code: status.UNIMPLEMENTED, details: `unknown service for ${signal}` });
    },
  );
  return { url: `http://127.0.0.1:${server.port}`, calls, close: server.close };
}

let receiver: Receiver;
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

async function send(endpoint: string): Promise<SendResult> {
  const transport = createTransport({
    signal: "traces",
    protocol: "grpc",
    endpoint,
    timeoutMs: 5000,
    compression: "none",
  });
  try {
    return await transport.send(new Uint8Array(), {});
  } finally {
    transport.close();
  }
}

describe("gRPC failures in words", () => {
  test("a server without the OTLP service: UNIMPLEMENTED, permanent", async () => {
    const server = await notOtlp();
    try {
      const result = await send(server.url);
      expect(result.kind).toBe("misconfigured");
      expect(result.kind !== "ok" && result.reason).toMatch(
        /^gRPC UNIMPLEMENTED: unknown service for traces \(the endpoint is not an OTLP receiver\)$/,
      );
    } finally {
      server.close();
    }
  });

  test("an OTLP/HTTP port (HTTP/1.1, not gRPC): wrong protocol, permanent", async () => {
    const result = await send(receiver.httpUrl);
    expect(result.kind).toBe("misconfigured");
    expect(result.kind !== "ok" && result.reason).toContain("does not speak gRPC");
  });

  test("TLS asked of a plaintext server: a TLS failure, permanent", async () => {
    const port = new URL(receiver.grpcUrl).port;
    const result = await send(`https://localhost:${port}`);
    expect(result.kind).toBe("misconfigured");
    expect(result.kind !== "ok" && result.reason).toMatch(/^gRPC UNAVAILABLE: TLS failure: /);
  });

  test("nobody listening: UNAVAILABLE with the cause, retried", async () => {
    const result = await send(`http://127.0.0.1:${await closedPort()}`);
    expect(result.kind).toBe("retry");
    expect(result.kind !== "ok" && result.reason).toMatch(/^gRPC UNAVAILABLE: .*ECONNREFUSED/);
  });

  test("status names and the server's detail message", async () => {
    receiver.failNext({ status: 400, grpcCode: status.INVALID_ARGUMENT, signal: "traces" });
    const invalid = await send(receiver.grpcUrl);
    expect(invalid).toEqual({
      kind: "rejected",
      reason: "gRPC INVALID_ARGUMENT: injected failure (HTTP 400)",
    });
    receiver.failNext({ status: 401, signal: "traces" });
    const unauthenticated = await send(receiver.grpcUrl);
    expect(unauthenticated).toEqual({
      kind: "auth",
      reason: "gRPC UNAUTHENTICATED: injected failure (HTTP 401)",
    });
  });
});

describe("a permanent failure is not retried", () => {
  test("one call per signal, one log line in words, the rest kept for a fixed endpoint", async () => {
    const server = await notOtlp();
    const spool = join(mkdtempSync(join(tmpdir(), "otel-grpc-")), "spool");
    try {
      const grpc = { OPENCODE_OTLP_PROTOCOL: "grpc", OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000" };
      // Seven turns, paced: seven trace requests, each of which would be tried.
      const first = await runChild("c2_errors_serve", 0, pluginEnv(server.url, spool, grpc), {
        extra: ["--pace-ms", "150"],
      });
      expect(first.code).toBe(0);
      expect(server.calls[0]).toBe(3);
      const halted = matching(first.logs, /Retrying cannot fix this/);
      expect(halted.map((line) => line.level)).toEqual(["error", "error", "error"]);
      expect(
        matching(
          halted,
          /cannot deliver traces: gRPC UNIMPLEMENTED: unknown service for traces \(the endpoint is not an OTLP receiver\)/,
        ),
      ).toHaveLength(1);
      expect(matching(first.logs, /lost/)).toEqual([]);

      receiver.reset();
      const second = await runChild(
        "c2_errors_serve",
        99,
        pluginEnv(receiver.grpcUrl, spool, { OPENCODE_OTLP_PROTOCOL: "grpc" }),
      );
      expect(second.code).toBe(0);
      expect(receiver.spans.map((span) => span.name).sort()).toEqual(
        await referenceSpans("c2_errors_serve", 0),
      );
      expect(namesIn(spool)).toEqual([]);
    } finally {
      server.close();
    }
  }, 40_000);
});

const TLS_DIR = join(import.meta.dir, "fixtures/tls");
const CERT = join(TLS_DIR, "loopback.crt");

/**
 * An OTLP/gRPC receiver over TLS on `host` (a loopback address), with the test certificate
 * (it names 127.0.0.1, ::1 and localhost): every Export is answered OK and its spans kept.
 */
async function tlsReceiver(host: string) {
  const spans: string[] = [];
  const credentials = ServerCredentials.createSsl(null, [
    { cert_chain: readFileSync(CERT), private_key: readFileSync(join(TLS_DIR, "loopback.key")) },
  ]);
  const server = await exportServer(host, credentials, (signal) => (call, callback) => {
    if (signal === "traces")
      for (const span of normalizeTraces(decodeProtobufRequest("traces", call.request), "grpc"))
        spans.push(span.name);
    // An empty Export*ServiceResponse: everything accepted.
    callback(null, Buffer.alloc(0));
  });
  return { port: server.port, spans, close: server.close };
}

describe("gRPC over TLS to an IP address", () => {
  const tls = (endpoint: string, trust: boolean) => ({
    OPENCODE_OTLP_PROTOCOL: "grpc",
    OPENCODE_OTLP_ENDPOINT: endpoint,
    OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
    ...(trust ? { NODE_EXTRA_CA_CERTS: CERT } : {}),
  });
  const spool = () => join(mkdtempSync(join(tmpdir(), "otel-grpc-tls-")), "spool");

  test("https://127.0.0.1 delivers under Bun, the certificate checked against the address", async () => {
    const server = await tlsReceiver("127.0.0.1");
    try {
      const endpoint = `https://127.0.0.1:${server.port}`;
      const run = await runChild("a_single", 0, pluginEnv(endpoint, spool(), tls(endpoint, true)));
      expect(run.code).toBe(0);
      expect(matching(run.logs, /cannot deliver/)).toEqual([]);
      expect(server.spans.sort()).toEqual(await referenceSpans("a_single"));
    } finally {
      server.close();
    }
  }, 30_000);

  test("https://[::1] too", async () => {
    const server = await tlsReceiver("[::1]").catch(() => undefined);
    // A machine without IPv6 on loopback has nothing to test here.
    if (!server) return;
    try {
      const endpoint = `https://[::1]:${server.port}`;
      const run = await runChild("a_single", 0, pluginEnv(endpoint, spool(), tls(endpoint, true)));
      expect(matching(run.logs, /cannot deliver/)).toEqual([]);
      expect(server.spans.sort()).toEqual(await referenceSpans("a_single"));
    } finally {
      server.close();
    }
  }, 30_000);

  test("a certificate nobody trusts, or one naming another address, is a TLS failure, in words", async () => {
    const server = await tlsReceiver("127.0.0.1");
    try {
      const trusted = `https://127.0.0.1:${server.port}`;
      const untrusted = await runChild(
        "a_single",
        0,
        pluginEnv(trusted, spool(), tls(trusted, false)),
      );
      expect(
        matching(
          untrusted.logs,
          /cannot deliver traces: gRPC UNAVAILABLE: TLS failure: self[- ]signed certificate/,
        ),
      ).toHaveLength(1);
      // 127.0.0.2 is loopback too, but the certificate names only 127.0.0.1.
      const elsewhere = await tlsReceiver("127.0.0.2");
      const other = `https://127.0.0.2:${elsewhere.port}`;
      const wrong = await runChild("a_single", 0, pluginEnv(other, spool(), tls(other, true)));
      elsewhere.close();
      expect(elsewhere.spans).toEqual([]);
      expect(
        matching(
          wrong.logs,
          /cannot deliver traces: gRPC UNAVAILABLE: TLS failure: .*127\.0\.0\.2/,
        ),
      ).toHaveLength(1);
      expect(server.spans).toEqual([]);
    } finally {
      server.close();
    }
  }, 30_000);
});

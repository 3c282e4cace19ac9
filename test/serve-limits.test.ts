/**
 * `serve` under hostile input, as a real process on loopback: decompression bombs, huge and
 * endless bodies, trickled bodies, floods beyond the concurrency limit, absurdly deep JSON and
 * protobuf, zeros. Each is refused with the status that tells a sender what to do, within a
 * bounded peak memory (the kernel's VmHWM of the serve process), while a valid request
 * arriving meanwhile is still served.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { pluginSpans, traceBatches } from "../bench/serve-batches.js";
import { type ServeProcess, startServe } from "./support/serve-process.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-serve-limits-"));
let serve: ServeProcess;
let valid: Uint8Array[];
const MIB = 1024 * 1024;

beforeAll(async () => {
  valid = traceBatches(await pluginSpans(), { count: 40, size: 50 });
  serve = await startServe({
    args: ["--grpc-port", "0", "--db", join(dir, "limits.db")],
  });
});

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

/** Peak resident memory of the serve process so far, in MiB (Linux: /proc/<pid>/status). */
function peakMiB(): number {
  const status = readFileSync(`/proc/${serve.child.pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

let nextValid = 0;
/** A valid 50-span batch that has not been sent before; resolves to status and latency. */
async function sendValid(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await post(valid[nextValid++ % valid.length] ?? new Uint8Array());
  return { status: response.status, ms: performance.now() - started };
}

function post(
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  path = "/v1/traces",
): Promise<Response> {
  return fetch(`${serve.httpUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", ...headers },
    body,
  });
}

describe("decompression bombs", () => {
  test("16 concurrent 64 KB gzip bombs are refused with 413, memory stays low, and a valid request is served meanwhile", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * MIB));
    expect(bomb.length).toBeLessThan(128 * 1024);
    const bombs = Array.from({ length: 16 }, () => post(bomb, { "content-encoding": "gzip" }));
    const during = sendValid();
    const statuses = await Promise.all(bombs.map(async (r) => (await r).status));
    expect(new Set(statuses)).toEqual(new Set([413]));
    const { status, ms } = await during;
    process.stderr.write(
      `16 gzip bombs: peak resident ${peakMiB().toFixed(0)} MiB, a valid request meanwhile took ${ms.toFixed(0)} ms\n`,
    );
    expect(status).toBe(200);
    expect(ms).toBeLessThan(3000);
    expect(peakMiB()).toBeLessThan(400);
  });

  test("a deflate bomb is refused the same way", async () => {
    const { deflateSync } = await import("node:zlib");
    const response = await post(deflateSync(Buffer.alloc(32 * MIB)), {
      "content-encoding": "deflate",
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("decompression bomb");
  });
});

describe("sizes and memory", () => {
  test("64 MiB of zeros is not an empty request: 413 as sent, 400 when small", async () => {
    expect((await post(Buffer.alloc(64 * MIB))).status).toBe(413);
    const small = await post(Buffer.alloc(4096));
    expect(small.status).toBe(400);
    expect(await small.text()).toContain("field number 0");
  });

  test("8 concurrent 60 MB bodies are refused without being held, and memory stays bounded", async () => {
    const big = Buffer.alloc(60 * 1000 * 1000, 0x0a);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async () => (await post(big)).status),
    );
    expect(new Set(statuses)).toEqual(new Set([413]));
    expect((await sendValid()).status).toBe(200);
    expect(peakMiB()).toBeLessThan(600);
    // 480 MB over loopback: what is measured is memory; the time depends on the machine's load.
  }, 30_000);

  test("large valid requests at once: each is served or told to retry, within the memory budget", async () => {
    // About 14 MiB of real spans each (the plugin's spans as it emits them now, GenAI
    // attributes included): four fit in the 512 MiB budget at a time.
    const [large] = traceBatches(await pluginSpans(), { count: 1, size: 20_000, seed: 77 });
    expect(large?.length ?? 0).toBeGreaterThan(12 * MIB);
    expect(large?.length ?? 0).toBeLessThan(16 * MIB);
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await post(large ?? new Uint8Array());
        return { status: response.status, retryAfter: response.headers.get("retry-after") };
      }),
    );
    for (const { status, retryAfter } of answers) {
      expect([200, 429]).toContain(status);
      if (status === 429) expect(retryAfter).toBe("1");
    }
    expect(answers.some((a) => a.status === 200)).toBe(true);
    process.stderr.write(
      `8 requests of 14 MiB at once: ${answers.filter((a) => a.status === 200).length} served, ` +
        `${answers.filter((a) => a.status === 429).length} told to retry; peak resident ${peakMiB().toFixed(0)} MiB\n`,
    );
    expect(peakMiB()).toBeLessThan(1024);
  }, 60_000);
});

describe("slow and excess clients", () => {
  test("a body trickled one byte every 5 s gets 408 at the body deadline, and others are served meanwhile", async () => {
    const trickle = await startServe({
      args: ["--no-grpc", "--db", join(dir, "trickle.db"), "--body-timeout", "4"],
    });
    try {
      const url = new URL(trickle.httpUrl);
      const socket = connect(Number(url.port), url.hostname);
      let answer = "";
      socket.on("data", (chunk) => {
        answer += String(chunk);
      });
      const closed = new Promise<number>((resolve) =>
        socket.on("close", () => resolve(performance.now())),
      );
      const started = performance.now();
      socket.write(
        "POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\n" +
          "content-length: 1000\r\n\r\n\n",
      );
      const drip = setInterval(() => socket.write("\n"), 5000);
      const served = await fetch(`${trickle.httpUrl}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: valid[0],
      });
      expect(served.status).toBe(200);
      const end = await closed;
      clearInterval(drip);
      expect(answer).toStartWith("HTTP/1.1 408");
      expect(end - started).toBeLessThan(7000);
    } finally {
      await trickle.stop();
    }
  }, 20_000);

  test("beyond --max-requests: 429 with retry-after over HTTP, RESOURCE_EXHAUSTED over gRPC", async () => {
    const url = new URL(serve.httpUrl);
    // 64 uploads that never finish hold every slot (the default --max-requests).
    const sockets = Array.from({ length: 64 }, () => {
      const socket = connect(Number(url.port), url.hostname);
      socket.write(
        "POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\n" +
          "content-length: 100000\r\n\r\n\n",
      );
      return socket;
    });
    try {
      await Bun.sleep(300);
      const response = await post(valid[1] ?? new Uint8Array());
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("1");
      const grpc = await grpcExport(serve.grpcUrl ?? "", valid[2] ?? new Uint8Array());
      expect(grpc.code).toBe(8);
      expect(grpc.retryAfter).toBe("1");
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await Bun.sleep(200);
    expect((await sendValid()).status).toBe(200);
  });
});

describe("bad input is always a 4xx", () => {
  test("100,000-deep JSON gets 400, never 503", async () => {
    const depth = 100_000;
    const value = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"x"}${"]}}".repeat(depth)}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${"ab".repeat(16)}","spanId":"${"cd".repeat(8)}","name":"deep","attributes":[{"key":"k","value":${value}}]}]}]}]}`;
    const deep = await post(body, { "content-type": "application/json" });
    expect(deep.status).toBe(400);
    const arrays = await post(`${"[".repeat(depth)}${"]".repeat(depth)}`, {
      "content-type": "application/json",
    });
    expect(arrays.status).toBe(400);
    // 65 levels is past the limit; 60 is an odd but legal value and is stored.
    const nested = (levels: number) =>
      `${'{"arrayValue":{"values":['.repeat(levels)}{"intValue":"1"}${"]}}".repeat(levels)}`;
    const legal = body.replace(value, nested(60)).replace("cd".repeat(8), "ce".repeat(8));
    expect((await post(legal, { "content-type": "application/json" })).status).toBe(200);
  });

  test("100,000-deep protobuf gets 400 over HTTP and INVALID_ARGUMENT over gRPC", async () => {
    // AnyValue{array_value=5: ArrayValue{values=1: AnyValue{...}}}, written back to front.
    const inner = deepAnyValue(100_000);
    const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), lengthOf(inner), inner]);
    const span = Buffer.concat([
      Buffer.from([0x0a, 0x10]),
      Buffer.alloc(16, 0xab),
      Buffer.from([0x12, 0x08]),
      Buffer.alloc(8, 0xcd),
      Buffer.from([0x4a]), // attributes = 9, wire type 2
      lengthOf(keyValue),
      keyValue,
    ]);
    const scope = Buffer.concat([Buffer.from([0x12]), lengthOf(span), span]);
    const resource = Buffer.concat([Buffer.from([0x12]), lengthOf(scope), scope]);
    const request = Buffer.concat([Buffer.from([0x0a]), lengthOf(resource), resource]);
    expect((await post(request)).status).toBe(400);
    expect((await grpcExport(serve.grpcUrl ?? "", request)).code).toBe(3);
    expect((await sendValid()).status).toBe(200);
  });
});

/** `depth` nested arrays around a string, written from the end of one buffer (no re-copying). */
function deepAnyValue(depth: number): Buffer {
  const out = Buffer.alloc(depth * 8 + 16);
  let start = out.length - 3;
  out.set([0x0a, 0x01, 0x78], start); // AnyValue{string_value: "x"}
  const prefix = (tag: number) => {
    const length = lengthOf(out.subarray(start));
    start -= length.length + 1;
    out[start] = tag;
    out.set(length, start + 1);
  };
  for (let i = 0; i < depth; i++) {
    prefix(0x0a); // ArrayValue.values = 1
    prefix(0x2a); // AnyValue.array_value = 5
  }
  return out.subarray(start);
}

function lengthOf(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  let rest = bytes.length;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** One gRPC trace export; resolves to its status code and `retry-after` trailer. */
function grpcExport(url: string, body: Uint8Array): Promise<{ code: number; retryAfter?: string }> {
  const path = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  const Client = makeGenericClientConstructor(
    {
      Export: {
        path,
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
  const client = new Client(url.replace(/^http:\/\//, ""), credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * MIB,
  });
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (value: Buffer) => value,
      (value: Buffer) => value,
      Buffer.from(body),
      new Metadata(),
      (error: { code?: number; metadata?: Metadata } | null) => {
        client.close();
        const retryAfter = error?.metadata?.get("retry-after")[0];
        resolve({
          code: error?.code ?? 0,
          ...(typeof retryAfter === "string" ? { retryAfter } : {}),
        });
      },
    );
  });
}

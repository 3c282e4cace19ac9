/** OTLP/HTTP: `POST /v1/{traces,metrics,logs}`, protobuf or JSON, optionally gzip/deflate. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { emptyProtobufResponse } from "../otlp/decode.js";
import type { Signal } from "../otlp/protos.js";
import { authorized } from "./auth.js";
import { readBody } from "./body.js";
import type { ReceiverContext } from "./context.js";
import { type Encoding, rowsOf } from "./ingest.js";
import { DECODE_FACTOR, Reservation } from "./limits.js";
import { busy, GRPC_CODE, Refusal, refusalOf } from "./refusal.js";

const SIGNALS: readonly Signal[] = ["traces", "metrics", "logs"];

export async function handleHttp(ctx: ReceiverContext, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? "").split("?")[0];
  const signal = SIGNALS.find((s) => path === `/v1/${s}`);
  if (!signal) return void res.writeHead(404, { connection: "close" }).end();
  if (req.method !== "POST")
    return void res.writeHead(405, { allow: "POST", connection: "close" }).end();
  if (!authorized(ctx.token, req.headers.authorization)) {
    ctx.onProblem(`${signal}: refused a request without the right bearer token`);
    return void res.writeHead(401, { "www-authenticate": "Bearer", connection: "close" }).end();
  }
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  const encoding: Encoding | undefined =
    contentType === "application/json"
      ? "json"
      : contentType === "application/x-protobuf"
        ? "protobuf"
        : undefined;
  if (!encoding) return void refuse(res, "protobuf", new Refusal(415, "unsupported content-type"));
  if (!ctx.gate.tryEnter()) return void refuse(res, encoding, busy(ctx.limits));
  const reservation = new Reservation(ctx.budget);
  try {
    const body = await readBody(req, {
      limits: ctx.limits,
      reservation,
      encoding: req.headers["content-encoding"],
    });
    if (!reservation.tryTake(body.length * DECODE_FACTOR)) throw busy(ctx.limits);
    const batch = rowsOf(signal, encoding, body);
    ctx.onRows(signal, await ctx.queue.write(batch));
    res.writeHead(200, {
      "content-type": encoding === "json" ? "application/json" : "application/x-protobuf",
    });
    res.end(encoding === "json" ? "{}" : emptyProtobufResponse(signal));
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal.status !== 429) ctx.onProblem(`${signal}: ${refusal.message}`);
    refuse(res, encoding, refusal);
  } finally {
    reservation.release();
    ctx.gate.leave();
  }
}

/**
 * The OTLP answer to a refused request: the status, `retry-after` when trying again later can
 * work, and a `google.rpc.Status` body in the request's encoding (OTLP/HTTP's error format).
 * The connection is closed, since the body may not have been read.
 */
function refuse(res: ServerResponse, encoding: Encoding, refusal: Refusal): void {
  if (res.headersSent) return void res.end();
  const headers: Record<string, string> = {
    connection: "close",
    "content-type": encoding === "json" ? "application/json" : "application/x-protobuf",
  };
  if (refusal.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(refusal.retryAfterSeconds);
  const code = GRPC_CODE[refusal.status];
  res.writeHead(refusal.status, headers);
  res.end(
    encoding === "json"
      ? JSON.stringify({ code, message: refusal.message })
      : statusProtobuf(code, refusal.message),
  );
}

/** `google.rpc.Status { int32 code = 1; string message = 2; }`, encoded by hand: two fields. */
function statusProtobuf(code: number, message: string): Buffer {
  const text = Buffer.from(message);
  return Buffer.concat([
    Buffer.from([0x08]),
    varint(code),
    Buffer.from([0x12]),
    varint(text.length),
    text,
  ]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

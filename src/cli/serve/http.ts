/** OTLP/HTTP: `POST /v1/{traces,metrics,logs}`, protobuf or JSON, optionally gzip/deflate. */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BadRequest,
  decodeJson,
  decodeProtobuf,
  decompress,
  emptyProtobufResponse,
  MAX_BODY_BYTES,
} from "../otlp/decode.js";
import type { Signal } from "../otlp/protos.js";
import { authorized } from "./auth.js";
import { ingest, type RowSink } from "./ingest.js";

const SIGNALS: readonly Signal[] = ["traces", "metrics", "logs"];

export interface HttpContext {
  readonly sink: RowSink;
  readonly token: string | undefined;
  /** Called once per accepted request with its signal and row count. */
  readonly onRows: (signal: Signal, rows: number) => void;
  /** Called with a one-line reason for every rejected or failed request. */
  readonly onProblem: (message: string) => void;
  /** Answers the paths outside `/v1/` (the viewer); 404 without one. */
  readonly fallback?: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

/** Reads the body, stopping at the size limit so one huge request cannot exhaust memory. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export async function handleHttp(ctx: HttpContext, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? "").split("?")[0];
  const signal = SIGNALS.find((s) => path === `/v1/${s}`);
  if (!signal) {
    if (ctx.fallback && !path?.startsWith("/v1/")) return ctx.fallback(req, res);
    return void res.writeHead(404).end();
  }
  if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
  if (!authorized(ctx.token, req.headers.authorization)) {
    ctx.onProblem(`${signal}: refused a request without the right bearer token`);
    return void res.writeHead(401, { "www-authenticate": "Bearer" }).end();
  }
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  const json = contentType === "application/json";
  if (!json && contentType !== "application/x-protobuf") {
    return void res.writeHead(415).end();
  }
  const body = await readBody(req);
  if (!body) return void res.writeHead(413).end();
  let request: unknown;
  try {
    const bytes = decompress(body, req.headers["content-encoding"]);
    request = json ? decodeJson(bytes) : decodeProtobuf(signal, bytes);
  } catch (error) {
    ctx.onProblem(`${signal}: ${error instanceof BadRequest ? error.message : String(error)}`);
    return void res.writeHead(400).end();
  }
  try {
    ctx.onRows(signal, await ingest(ctx.sink, signal, request));
  } catch (error) {
    // A store that stays locked past its busy timeout: 503 is retryable, so the sender keeps
    // the batch and tries again instead of dropping it.
    ctx.onProblem(`${signal}: could not write to the store: ${String(error)}`);
    return void res.writeHead(503, { "retry-after": "1" }).end();
  }
  res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
  res.end(json ? "{}" : emptyProtobufResponse(signal));
}

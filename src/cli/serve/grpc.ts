/** OTLP/gRPC: the three collector `Export` services, decoded with the same classes as HTTP. */
import type { handleUnaryCall, MethodDefinition, Server, ServiceError } from "@grpc/grpc-js";
import { BadRequest, decodeProtobuf, emptyProtobufResponse } from "../otlp/decode.js";
import { grpcExportPath, type Signal } from "../otlp/protos.js";
import { authorized } from "./auth.js";
import type { HttpContext } from "./http.js";
import { ingest } from "./ingest.js";

// grpc-js status codes (grpc/doc/statuscodes.md), spelled out so this file needs no value import.
const INVALID_ARGUMENT = 3;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

/** Raw bytes in and out: decoding happens in the handler, so a bad payload gets a clear error. */
function method(signal: Signal): MethodDefinition<Buffer, Uint8Array> {
  return {
    path: grpcExportPath(signal),
    requestStream: false,
    responseStream: false,
    requestSerialize: (request) => request,
    requestDeserialize: (bytes) => bytes,
    responseSerialize: (response) => Buffer.from(response),
    responseDeserialize: (bytes) => bytes,
  };
}

const failure = (code: number, details: string): Partial<ServiceError> => ({ code, details });

function exportHandler(ctx: HttpContext, signal: Signal): handleUnaryCall<Buffer, Uint8Array> {
  return (call, callback) => {
    const header = call.metadata.get("authorization")[0];
    if (!authorized(ctx.token, typeof header === "string" ? header : undefined)) {
      ctx.onProblem(`${signal}: refused a gRPC call without the right bearer token`);
      return callback(failure(UNAUTHENTICATED, "missing or wrong bearer token"));
    }
    let request: unknown;
    try {
      request = decodeProtobuf(signal, call.request);
    } catch (error) {
      const message = error instanceof BadRequest ? error.message : String(error);
      ctx.onProblem(`${signal}: ${message}`);
      return callback(failure(INVALID_ARGUMENT, message));
    }
    ingest(ctx.sink, signal, request).then(
      (rows) => {
        ctx.onRows(signal, rows);
        callback(null, emptyProtobufResponse(signal));
      },
      (error: unknown) => {
        ctx.onProblem(`${signal}: could not write to the store: ${String(error)}`);
        callback(failure(UNAVAILABLE, "store busy"));
      },
    );
  };
}

/** Registers the three services on `server`. */
export function addOtlpServices(server: Server, ctx: HttpContext): void {
  for (const signal of ["traces", "metrics", "logs"] as const) {
    server.addService({ Export: method(signal) }, { Export: exportHandler(ctx, signal) });
  }
}

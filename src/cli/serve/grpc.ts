/** OTLP/gRPC: the three collector `Export` services, decoded with the same classes as HTTP. */
import type {
  handleUnaryCall,
  Metadata,
  MethodDefinition,
  Server,
  ServiceError,
} from "@grpc/grpc-js";
import { emptyProtobufResponse } from "../otlp/decode.js";
import { grpcExportPath, type Signal } from "../otlp/protos.js";
import { authorized } from "./auth.js";
import type { ReceiverContext } from "./context.js";
import { rowsOf } from "./ingest.js";
import { DECODE_FACTOR, Reservation } from "./limits.js";
import { busy, GRPC_CODE, type Refusal, refusalOf } from "./refusal.js";

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

type NewMetadata = () => Metadata;

/** A gRPC status for a refusal; throttling carries `retry-after` in its trailers. */
function failure(refusal: Refusal, metadata: NewMetadata): Partial<ServiceError> {
  const trailers = metadata();
  if (refusal.retryAfterSeconds !== undefined)
    trailers.set("retry-after", String(refusal.retryAfterSeconds));
  return { code: GRPC_CODE[refusal.status], details: refusal.message, metadata: trailers };
}

function exportHandler(
  ctx: ReceiverContext,
  signal: Signal,
  metadata: NewMetadata,
): handleUnaryCall<Buffer, Uint8Array> {
  return (call, callback) => {
    const header = call.metadata.get("authorization")[0];
    if (!authorized(ctx.token, typeof header === "string" ? header : undefined)) {
      ctx.onProblem(`${signal}: refused a gRPC call without the right bearer token`);
      return callback({ code: UNAUTHENTICATED, details: "missing or wrong bearer token" });
    }
    // grpc-js has already read (and, within max_receive_message_length, decompressed) the
    // message; what is left to bound is what decoding it and holding its rows costs.
    if (!ctx.gate.tryEnter()) return callback(failure(busy(ctx.limits), metadata));
    const reservation = new Reservation(ctx.budget);
    const done = (error: Partial<ServiceError> | null) => {
      reservation.release();
      ctx.gate.leave();
      if (error) callback(error);
      else callback(null, emptyProtobufResponse(signal));
    };
    if (!reservation.tryTake(call.request.length * (1 + DECODE_FACTOR)))
      return done(failure(busy(ctx.limits), metadata));
    let rows: ReturnType<typeof rowsOf>;
    try {
      rows = rowsOf(signal, "protobuf", call.request);
    } catch (error) {
      const refusal = refusalOf(error);
      ctx.onProblem(`${signal}: ${refusal.message}`);
      return done(failure(refusal, metadata));
    }
    ctx.queue.write(rows).then(
      (count) => {
        ctx.onRows(signal, count);
        done(null);
      },
      (error: unknown) => {
        const refusal = refusalOf(error);
        ctx.onProblem(`${signal}: ${refusal.message}`);
        done(failure(refusal, metadata));
      },
    );
  };
}

/** Registers the three services on `server`. */
export function addOtlpServices(server: Server, ctx: ReceiverContext, metadata: NewMetadata): void {
  for (const signal of ["traces", "metrics", "logs"] as const) {
    server.addService({ Export: method(signal) }, { Export: exportHandler(ctx, signal, metadata) });
  }
}

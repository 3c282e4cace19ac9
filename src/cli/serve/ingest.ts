/**
 * One export request body into rows for the store, shared by the HTTP and gRPC front ends so
 * both accept exactly the same data. Anything wrong with the request itself is a `Refusal(400)`.
 */
import type { RowBatch } from "../../store/index.js";
import { BadRequest, decodeJson, decodeProtobuf } from "../otlp/decode.js";
import type { Signal } from "../otlp/protos.js";
import { logRows, metricPointRows, spanRows } from "../otlp/to-rows.js";
import { InvalidValue } from "../otlp/values.js";
import { Refusal } from "./refusal.js";

/** Rows written so far, per signal, for the receiver's status line and tests. */
export type IngestCounts = Record<Signal, number>;

export type Encoding = "protobuf" | "json";

/** Decodes a request and turns it into rows; throws `Refusal(400)` for a request that cannot be. */
export function rowsOf(signal: Signal, encoding: Encoding, body: Uint8Array): RowBatch {
  try {
    const request = encoding === "json" ? decodeJson(body) : decodeProtobuf(signal, body);
    switch (signal) {
      case "traces":
        return { spans: spanRows(request) };
      case "logs":
        return { logs: logRows(request) };
      case "metrics":
        return { metricPoints: metricPointRows(request) };
    }
  } catch (error) {
    if (error instanceof BadRequest || error instanceof InvalidValue)
      throw new Refusal(400, error.message);
    // A stack overflow or a type error on some odd shape: still the request's fault, never
    // something to retry.
    throw new Refusal(400, `cannot read the request (${String(error)})`);
  }
}

export function rowCount(batch: RowBatch): number {
  return (batch.spans?.length ?? 0) + (batch.logs?.length ?? 0) + (batch.metricPoints?.length ?? 0);
}

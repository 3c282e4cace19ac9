/**
 * OTLP request bodies → plain objects in OTLP/JSON's shape (lowerCamelCase keys, unset oneof
 * members absent), so one normaliser (`to-rows.ts`) reads protobuf and JSON alike.
 */
import { gunzipSync, inflateSync } from "node:zlib";
import { messagesOf, type Signal } from "./protos.js";

/** Largest request accepted, compressed or not: a collector's default is 4 MiB for gRPC. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A body the receiver cannot read: answered with 400 / INVALID_ARGUMENT. */
export class BadRequest extends Error {
  override readonly name = "BadRequest";
}

const TO_OBJECT = { longs: String, enums: Number, arrays: true, defaults: false };

export function decodeProtobuf(signal: Signal, bytes: Uint8Array): unknown {
  const { request } = messagesOf(signal);
  try {
    return request.toObject(request.decode(bytes), TO_OBJECT);
  } catch (error) {
    throw new BadRequest(`invalid protobuf ${signal} request: ${String(error)}`);
  }
}

export function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new BadRequest(`invalid JSON: ${String(error)}`);
  }
}

/** Undoes HTTP `Content-Encoding` (the OTel exporters send gzip; collectors also take deflate). */
export function decompress(body: Uint8Array, encoding: string | undefined): Uint8Array {
  const options = { maxOutputLength: MAX_BODY_BYTES };
  try {
    switch (encoding?.toLowerCase() ?? "") {
      case "":
      case "identity":
        return body;
      case "gzip":
        return gunzipSync(body, options);
      case "deflate":
        return inflateSync(body, options);
    }
  } catch (error) {
    throw new BadRequest(`cannot decompress ${encoding} body: ${String(error)}`);
  }
  throw new BadRequest(`unsupported content-encoding ${encoding}`);
}

/** An empty (fully accepted) export response, protobuf-encoded. */
export function emptyProtobufResponse(signal: Signal): Uint8Array {
  const { response } = messagesOf(signal);
  return response.encode(response.fromObject({})).finish();
}

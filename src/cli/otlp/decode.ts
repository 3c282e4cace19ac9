/**
 * OTLP request bodies → objects in OTLP/JSON's shape (lowerCamelCase keys), so one normaliser
 * (`to-rows.ts`) reads protobuf and JSON alike. Protobuf messages are handed over as protobufjs
 * decodes them, without `toObject`'s copy: `values.ts` reads their `Long`s and `null` defaults.
 */
import { messagesOf, type Signal } from "./protos.js";

/** A body the receiver cannot read: answered with 400 / INVALID_ARGUMENT. */
export class BadRequest extends Error {
  override readonly name = "BadRequest";
}

export function decodeProtobuf(signal: Signal, bytes: Uint8Array): unknown {
  checkTopLevel(signal, bytes);
  const { request } = messagesOf(signal);
  // protobufjs reads strings with the runtime's native UTF-8 decoder from a Buffer, and with
  // its own (about three times slower) one from a plain Uint8Array.
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return request.decode(buffer);
  } catch (error) {
    throw new BadRequest(`invalid protobuf ${signal} request: ${String(error)}`);
  }
}

/**
 * The top level of an export request holds only field 1 (the resource groups), length-delimited.
 * protobufjs skips what it does not know, so without this check bytes that are not protobuf at
 * all (64 MiB of zeros: field number 0, which protobuf forbids, over and over) decode as a valid
 * empty request and are answered 200.
 */
function checkTopLevel(signal: Signal, bytes: Uint8Array): void {
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = bytes[i++];
      if (byte === undefined) throw bad("a field is cut off");
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw bad("a varint is too long");
  };
  const bad = (why: string) => new BadRequest(`invalid protobuf ${signal} request: ${why}`);
  while (i < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw bad(`field number 0 at byte ${i - 1}; this is not protobuf`);
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 2) {
      // Read the length before moving `i`: `i += varint()` would add it to the old position.
      const length = varint();
      i += length;
    } else if (wire === 5) i += 4;
    else throw bad(`wire type ${wire} at the top level`);
    if (i > bytes.length) throw bad("a field runs past the end of the body");
  }
}

export function decodeJson(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new BadRequest(`invalid JSON: ${String(error)}`);
  }
  // An export request is an object; `[[[...]]]` or `42` is not an empty one.
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new BadRequest("the JSON body is not an OTLP export request (an object)");
  return value;
}

const emptyResponses = new Map<Signal, Uint8Array>();

/** An empty (fully accepted) export response, protobuf-encoded (the same bytes every time). */
export function emptyProtobufResponse(signal: Signal): Uint8Array {
  let bytes = emptyResponses.get(signal);
  if (!bytes) {
    const { response } = messagesOf(signal);
    bytes = response.encode(response.fromObject({})).finish();
    emptyResponses.set(signal, bytes);
  }
  return bytes;
}

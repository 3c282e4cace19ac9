import type { HrTime } from "@opentelemetry/api";

/** Protobuf wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH = 2;
export const FIXED32 = 5;

const INITIAL_SIZE = 64 * 1024;
/** A buffer grown past this for one large request is let go afterwards. */
const KEEP_SIZE = 1024 * 1024;

/**
 * A protobuf writer for OTLP requests. Nested messages are written in place and their length
 * prefix filled in when they end: a length first gets one byte (most nested OTLP messages are
 * shorter than 128 bytes) and the content moves up when it needs more, so the output is the
 * canonical encoding (shortest varints, fields in the order written).
 *
 * Requests are encoded once per turn end, when the code has gone cold since the last turn: what
 * costs then is how much JavaScript runs, not how fast it would run warm. So strings and ids go
 * through Buffer's native UTF-8 and hex writers rather than per-character loops, attribute keys
 * (a small, fixed set) are encoded once and copied, and one buffer is reused for every request
 * (`sharedWriter`: encoding is synchronous, so two requests never use it at once).
 */
export class ProtoWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  private pos = 0;

  /** Starts a new message. */
  reset(): void {
    this.pos = 0;
    if (this.buffer.length > KEEP_SIZE) this.buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  }

  /** A copy of the bytes written since `reset`. */
  finish(): Uint8Array {
    return new Uint8Array(this.buffer.subarray(0, this.pos));
  }

  /** A field tag; OTLP's field numbers are below 16, so one byte (longer tags still work). */
  tag(field: number, wireType: number): void {
    if (field < 16) {
      this.reserve(1);
      this.buffer[this.pos++] = (field << 3) | wireType;
    } else this.uint32((field << 3) | wireType);
  }

  /** An unsigned varint below 2^32. */
  uint32(value: number): void {
    this.reserve(5);
    let rest = value >>> 0;
    while (rest > 0x7f) {
      this.buffer[this.pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.pos++] = rest;
  }

  /** An int64 varint (negative numbers in two's complement, ten bytes). */
  int64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) {
      this.uint32(value);
      return;
    }
    let [low, high] = signed64(value);
    this.reserve(10);
    while (high > 0 || low > 0x7f) {
      this.buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buffer[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.reserve(4);
    this.pos = this.buffer.writeUInt32LE(value >>> 0, this.pos);
  }

  /** An unsigned 64-bit integer below 2^53 (histogram counts). */
  fixed64(value: number): void {
    this.words(value >>> 0, Math.floor(value / 0x100000000) >>> 0);
  }

  /** A signed 64-bit integer (two's complement). */
  sfixed64(value: number): void {
    const [low, high] = signed64(value);
    this.words(low, high);
  }

  double(value: number): void {
    this.reserve(8);
    this.pos = this.buffer.writeDoubleLE(value, this.pos);
  }

  /**
   * A timestamp in nanoseconds since the epoch, from an OpenTelemetry HrTime. 1e9 = 2^9 × 5^9,
   * so seconds × 5^9 is exact in a double (up to the year 2116) and the × 2^9 becomes a split
   * into 32-bit halves; later times take the BigInt path.
   */
  time(time: HrTime): void {
    const seconds = Math.trunc(time[0]);
    const nanos = Math.trunc(time[1]);
    if (seconds < 0 || seconds > 4_500_000_000) {
      const total = BigInt.asUintN(64, BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
      this.words(Number(total & 0xffffffffn), Number(total >> 32n));
      return;
    }
    const scaled = seconds * 1953125;
    const high = Math.floor(scaled / 0x800000);
    const low = (scaled - high * 0x800000) * 512 + nanos;
    const carry = Math.floor(low / 0x100000000);
    this.words(low - carry * 0x100000000, high + carry);
  }

  string(text: string): void {
    // UTF-8 takes at most three bytes per UTF-16 unit; the length goes in front once known.
    this.reserve(text.length * 3 + 5);
    const written = this.buffer.write(text, this.pos + 1, "utf8");
    this.lengthBefore(this.pos, written);
  }

  /** The key field (field 1) of a KeyValue. */
  key(key: string): void {
    const encoded = keyField(key);
    this.reserve(encoded.length);
    this.buffer.set(encoded, this.pos);
    this.pos += encoded.length;
  }

  /**
   * A KeyValue under `field` (below 16) whose value is a string, a number or a boolean, which
   * is nearly every attribute: sizes are computed first, so it is written in one pass without
   * moving anything. False (nothing written) for any other value.
   */
  attribute(field: number, key: string, value: unknown): boolean {
    let valueSize: number;
    let textBytes = 0;
    let integer = false;
    switch (typeof value) {
      case "string":
        textBytes = Buffer.byteLength(value, "utf8");
        valueSize = 1 + varintSize(textBytes) + textBytes;
        break;
      case "boolean":
        valueSize = 2;
        break;
      case "number":
        integer = Number.isInteger(value) && value >= INT64_MIN && value < INT64_END;
        valueSize = integer ? 1 + int64Size(value) : 9;
        break;
      default:
        return false;
    }
    const keyBytes = keyField(key);
    const pairSize = keyBytes.length + 1 + varintSize(valueSize) + valueSize;
    this.reserve(pairSize + 6);
    const buffer = this.buffer;
    let at = this.pos;
    buffer[at++] = (field << 3) | LENGTH;
    at = putVarint(buffer, at, pairSize);
    buffer.set(keyBytes, at);
    at += keyBytes.length;
    buffer[at++] = (2 << 3) | LENGTH;
    at = putVarint(buffer, at, valueSize);
    if (typeof value === "string") {
      buffer[at++] = (1 << 3) | LENGTH;
      at = putVarint(buffer, at, textBytes);
      this.pos = at + buffer.write(value, at, "utf8");
    } else if (typeof value === "boolean") {
      buffer[at++] = (2 << 3) | VARINT;
      buffer[at++] = value ? 1 : 0;
      this.pos = at;
    } else if (integer) {
      buffer[at++] = (3 << 3) | VARINT;
      this.pos = at;
      this.int64(Number(value));
    } else {
      buffer[at++] = (4 << 3) | FIXED64;
      this.pos = buffer.writeDoubleLE(Number(value), at);
    }
    return true;
  }

  bytes(bytes: Uint8Array): void {
    this.uint32(bytes.length);
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A hex id (trace or span id) as its bytes. */
  hex(id: string): void {
    this.reserve((id.length >>> 1) + 5);
    const written = this.buffer.write(id, this.pos + 1, "hex");
    this.lengthBefore(this.pos, written);
  }

  /** Starts a length-delimited field's content; pass the result to `end`. */
  begin(): number {
    this.reserve(1);
    return this.pos++;
  }

  /** Ends content started at `start`: writes its length, moving the content if it needs to. */
  end(start: number): void {
    this.lengthBefore(start, this.pos - start - 1);
  }

  /** Content of `length` bytes sits at `start + 1`: puts its varint length at `start`. */
  private lengthBefore(start: number, length: number): void {
    if (length < 0x80) {
      this.buffer[start] = length;
      this.pos = start + 1 + length;
      return;
    }
    const size = varintSize(length);
    this.reserve(size - 1);
    this.buffer.copyWithin(start + size, start + 1, start + 1 + length);
    let at = start;
    let rest = length;
    while (rest > 0x7f) {
      this.buffer[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[at] = rest;
    this.pos = start + size + length;
  }

  private words(low: number, high: number): void {
    this.reserve(8);
    this.buffer.writeUInt32LE(low >>> 0, this.pos);
    this.pos = this.buffer.writeUInt32LE(high >>> 0, this.pos + 4);
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }
}

/** The int64 range, in which a whole number is sent as `int_value` (as the JS exporters do). */
export const INT64_MIN = -(2 ** 63);
export const INT64_END = 2 ** 63;

/**
 * Encoded KeyValue key fields. Keys repeat on every record and come from a bounded set (the
 * emitters' names, configured attributes), so each is encoded once and copied; the bounds only
 * guard against odd configurations.
 */
const keyFields = new Map<string, Uint8Array>();
const MAX_CACHED_KEYS = 1024;
const MAX_CACHED_KEY_LENGTH = 256;

function keyField(key: string): Uint8Array {
  return keyFields.get(key) ?? encodeKey(key);
}

function encodeKey(key: string): Uint8Array {
  const utf8 = Buffer.from(key, "utf8");
  const encoded = Buffer.allocUnsafe(1 + varintSize(utf8.length) + utf8.length);
  encoded[0] = (1 << 3) | LENGTH;
  utf8.copy(encoded, putVarint(encoded, 1, utf8.length));
  if (key.length <= MAX_CACHED_KEY_LENGTH) {
    if (keyFields.size >= MAX_CACHED_KEYS) keyFields.clear();
    keyFields.set(key, encoded);
  }
  return encoded;
}

/** Writes an unsigned varint below 2^32 at `at`; returns the position after it. */
function putVarint(buffer: Buffer, at: number, value: number): number {
  let rest = value >>> 0;
  while (rest > 0x7f) {
    buffer[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buffer[at++] = rest;
  return at;
}

/** Bytes of an int64 varint (ten for any negative number). */
function int64Size(value: number): number {
  if (value < 0) return 10;
  if (value <= 0xffffffff) return varintSize(value);
  let size = 5;
  for (let high = Math.floor(value / 0x800000000); high > 0; high = Math.floor(high / 0x80))
    size += 1;
  return size;
}

/** The writer every encoder shares (encoding is synchronous: one request at a time). */
export const sharedWriter = new ProtoWriter();

/** An integer in the int64 range as the low and high 32 bits of its two's complement. */
function signed64(value: number): [number, number] {
  const magnitude = Math.abs(value);
  const low = magnitude >>> 0;
  const high = Math.floor(magnitude / 0x100000000) >>> 0;
  if (value >= 0) return [low, high];
  const negatedLow = (~low + 1) >>> 0;
  return [negatedLow, (~high + (negatedLow === 0 ? 1 : 0)) >>> 0];
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) size += 1;
  return size;
}

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

  /**
   * The key field (field 1) of a KeyValue. Keys repeat on every record and come from a bounded
   * set (the emitters' names, configured attributes), so each is encoded once and copied.
   */
  key(key: string): void {
    let encoded = keyFields.get(key);
    if (!encoded) {
      const utf8 = Buffer.from(key, "utf8");
      const length: number[] = [];
      for (let rest = utf8.length; ; rest >>>= 7) {
        if (rest < 0x80) {
          length.push(rest);
          break;
        }
        length.push((rest & 0x7f) | 0x80);
      }
      encoded = Buffer.concat([Buffer.from([(1 << 3) | LENGTH, ...length]), utf8]);
      if (key.length <= MAX_CACHED_KEY_LENGTH) {
        if (keyFields.size >= MAX_CACHED_KEYS) keyFields.clear();
        keyFields.set(key, encoded);
      }
    }
    this.reserve(encoded.length);
    this.buffer.set(encoded, this.pos);
    this.pos += encoded.length;
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

/** Encoded key fields (the set is small; the bounds only guard against odd configurations). */
const keyFields = new Map<string, Uint8Array>();
const MAX_CACHED_KEYS = 1024;
const MAX_CACHED_KEY_LENGTH = 256;

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

import type { Encoding, Signal } from "./encode.js";

/** What an OTLP export response says: items refused inside an accepted request, if any. */
export interface PartialSuccess {
  readonly rejected: number;
  readonly message: string;
}

export type ExportResponse =
  | { readonly otlp: true; readonly partial: PartialSuccess | undefined }
  | { readonly otlp: false; readonly reason: string };

const JSON_FIELD: Record<Signal, string> = {
  traces: "rejectedSpans",
  metrics: "rejectedDataPoints",
  logs: "rejectedLogRecords",
};

/**
 * Reads the body of a successful OTLP response (`Export<Signal>ServiceResponse`). The OTLP spec
 * has the server answer in the request's encoding; an empty body is a full success. Anything
 * else (an HTML page from a proxy, a login form, plain text) is not an OTLP answer at all, so the
 * request cannot be taken as delivered.
 */
export function readExportResponse(
  signal: Signal,
  encoding: Encoding,
  contentType: string | null,
  body: Uint8Array,
): ExportResponse {
  if (body.length === 0) return { otlp: true, partial: undefined };
  const type = (contentType ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const asJson = type === "application/json" || (type === "" && encoding === "json");
  const asProtobuf =
    type === "application/x-protobuf" ||
    type === "application/protobuf" ||
    (type === "" && encoding === "pb");
  if (asJson) {
    const partial = jsonPartialSuccess(signal, body);
    return partial === "invalid"
      ? { otlp: false, reason: "a JSON body that is not an OTLP response" }
      : { otlp: true, partial };
  }
  if (asProtobuf) {
    const partial = protobufPartialSuccess(body);
    return partial === "invalid"
      ? { otlp: false, reason: "a protobuf body that is not an OTLP response" }
      : { otlp: true, partial };
  }
  return { otlp: false, reason: `a ${type} body, not an OTLP response` };
}

function jsonPartialSuccess(
  signal: Signal,
  body: Uint8Array,
): PartialSuccess | undefined | "invalid" {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return "invalid";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "invalid";
  const partial = "partialSuccess" in parsed ? parsed.partialSuccess : undefined;
  if (typeof partial !== "object" || partial === null) return undefined;
  const field = JSON_FIELD[signal];
  // int64 is a string in OTLP/JSON; some servers write a number.
  const raw = field in partial ? Reflect.get(partial, field) : undefined;
  const rejected = typeof raw === "string" || typeof raw === "number" ? Number(raw) : 0;
  const text = "errorMessage" in partial ? partial.errorMessage : undefined;
  const message = typeof text === "string" ? text : "";
  if ((!Number.isFinite(rejected) || rejected <= 0) && !message) return undefined;
  return { rejected: Number.isFinite(rejected) && rejected > 0 ? rejected : 0, message };
}

/**
 * `partial_success` is field 1 of every Export*ServiceResponse; inside it the rejected count is
 * field 1 (int64) and `error_message` field 2, whatever the signal. Unknown fields are skipped.
 */
function protobufPartialSuccess(body: Uint8Array): PartialSuccess | undefined | "invalid" {
  const outer = fields(body, 0, body.length);
  if (!outer) return "invalid";
  const field = outer.find((f) => f.number === 1 && f.wire === 2);
  if (!field || field.start === undefined || field.end === undefined) return undefined;
  const inner = fields(body, field.start, field.end);
  if (!inner) return "invalid";
  let rejected = 0;
  let message = "";
  for (const f of inner) {
    if (f.number === 1 && f.wire === 0) rejected = f.value ?? 0;
    if (f.number === 2 && f.wire === 2 && f.start !== undefined && f.end !== undefined)
      message = new TextDecoder().decode(body.subarray(f.start, f.end));
  }
  if (rejected <= 0 && !message) return undefined;
  return { rejected: Math.max(0, rejected), message };
}

interface Field {
  readonly number: number;
  readonly wire: number;
  readonly value?: number;
  readonly start?: number;
  readonly end?: number;
}

/** The top-level fields of one message in `bytes[from, to)`; undefined when it is not protobuf. */
function fields(bytes: Uint8Array, from: number, to: number): Field[] | undefined {
  const found: Field[] = [];
  let at = from;
  const varint = (): number | undefined => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= to) return undefined;
      const byte = bytes[at++] ?? 0;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return undefined;
  };
  while (at < to) {
    const key = varint();
    if (key === undefined) return undefined;
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (number === 0) return undefined;
    if (wire === 0) {
      const value = varint();
      if (value === undefined) return undefined;
      found.push({ number, wire, value });
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > to) return undefined;
      found.push({ number, wire });
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > to) return undefined;
      found.push({ number, wire, start: at, end: at + length });
      at += length;
    } else return undefined;
  }
  return found;
}

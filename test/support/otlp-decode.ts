/**
 * Wire decoding for the test OTLP receiver, with the protobufjs classes generated from
 * opentelemetry-proto. They come from `@opentelemetry/otlp-transformer@0.214.0` (installed under
 * the alias `otlp-transformer-protos`), the last release that shipped its generated root for all
 * three signals before the exporters switched to hand-written writers; its protos are v1.5+, so
 * `LogRecord.event_name` is there. Decoding with a different code base than the one that encodes
 * is the point: the receiver must not share a bug with the exporters under test.
 */
import { createRequire } from "node:module";
import { gunzipSync, inflateSync } from "node:zlib";
import type { Signal } from "./otlp-types.js";

/** The slice of a protobufjs static-module message class that the receiver uses. */
interface MessageClass {
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  toObject(message: object, options: ToObjectOptions): unknown;
}

interface ToObjectOptions {
  longs: StringConstructor;
  enums: NumberConstructor;
  arrays: boolean;
  defaults: boolean;
}

// The generated root is CommonJS with `module.exports = $root` and ships no useful typings.
const root: unknown = createRequire(import.meta.url)(
  "otlp-transformer-protos/build/src/generated/root.js",
);

function lookup(path: string): MessageClass {
  let node: unknown = root;
  for (const key of path.split(".")) {
    if (node === null || (typeof node !== "object" && typeof node !== "function")) break;
    node = Reflect.get(node, key);
  }
  if (!isMessageClass(node)) throw new Error(`otlp-decode: no message class ${path}`);
  return node;
}

function isMessageClass(value: unknown): value is MessageClass {
  return (
    typeof value === "function" &&
    "decode" in value &&
    typeof value.decode === "function" &&
    "encode" in value &&
    typeof value.encode === "function" &&
    "toObject" in value &&
    typeof value.toObject === "function"
  );
}

const names = {
  traces: { pkg: "opentelemetry.proto.collector.trace.v1", name: "Trace" },
  metrics: { pkg: "opentelemetry.proto.collector.metrics.v1", name: "Metrics" },
  logs: { pkg: "opentelemetry.proto.collector.logs.v1", name: "Logs" },
} satisfies Record<Signal, { pkg: string; name: string }>;

const requests: Record<Signal, MessageClass> = {
  traces: lookup(`${names.traces.pkg}.ExportTraceServiceRequest`),
  metrics: lookup(`${names.metrics.pkg}.ExportMetricsServiceRequest`),
  logs: lookup(`${names.logs.pkg}.ExportLogsServiceRequest`),
};

const responses: Record<Signal, MessageClass> = {
  traces: lookup(`${names.traces.pkg}.ExportTraceServiceResponse`),
  metrics: lookup(`${names.metrics.pkg}.ExportMetricsServiceResponse`),
  logs: lookup(`${names.logs.pkg}.ExportLogsServiceResponse`),
};

/**
 * Protobuf export request → plain object in OTLP/JSON's shape (lowerCamelCase keys), with int64
 * as decimal strings, enums as numbers and `bytes` left as `Uint8Array`, so one normaliser reads
 * both encodings. `defaults: false` keeps unset oneof members absent, as in JSON.
 */
export function decodeProtobufRequest(signal: Signal, bytes: Uint8Array): unknown {
  const type = requests[signal];
  return type.toObject(type.decode(bytes), {
    longs: String,
    enums: Number,
    arrays: true,
    defaults: false,
  });
}

export function decodeJsonRequest(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** An empty (fully successful) export response, protobuf-encoded. */
export function encodeProtobufResponse(signal: Signal): Uint8Array {
  return responses[signal].encode({}).finish();
}

/** The gRPC service path of a signal's `Export` method, as defined in the collector protos. */
export function grpcExportPath(signal: Signal): string {
  const { pkg, name } = names[signal];
  return `/${pkg}.${name}Service/Export`;
}

/** Undo HTTP `Content-Encoding`; the OTel exporters only send `gzip`, collectors also take deflate. */
export function decompress(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      return body;
    case "gzip":
      return gunzipSync(body);
    case "deflate":
      return inflateSync(body);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

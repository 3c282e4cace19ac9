/**
 * The generated opentelemetry-proto classes (protobufjs static module) shipped by
 * `@opentelemetry/otlp-transformer@0.214`, installed as `otlp-transformer-protos`: the last
 * release that carried them for all three signals. A maintained, generated decoder rather than a
 * hand-written one; the CLI bundle includes it, so users need no extra install.
 */
import root from "otlp-transformer-protos/build/src/generated/root.js";

export type Signal = "traces" | "metrics" | "logs";

/** The slice of a protobufjs static-module message class that the CLI uses. */
export interface MessageClass {
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(object: object): object;
  toObject(message: object, options: object): unknown;
}

function isMessageClass(value: unknown): value is MessageClass {
  return (
    typeof value === "function" &&
    "decode" in value &&
    typeof value.decode === "function" &&
    "encode" in value &&
    typeof value.encode === "function" &&
    "fromObject" in value &&
    typeof value.fromObject === "function" &&
    "toObject" in value &&
    typeof value.toObject === "function"
  );
}

// The generated root's typings declare a reflection `Root`, but the static module is a tree of
// plain namespaces and classes: walk it by name and check what is found.
function lookup(path: string): MessageClass {
  let node: unknown = root;
  for (const key of path.split(".")) {
    if (node === null || (typeof node !== "object" && typeof node !== "function")) break;
    node = Reflect.get(node, key);
  }
  if (!isMessageClass(node)) throw new Error(`otlp: no message class ${path}`);
  return node;
}

const services = {
  traces: { pkg: "opentelemetry.proto.collector.trace.v1", name: "Trace" },
  metrics: { pkg: "opentelemetry.proto.collector.metrics.v1", name: "Metrics" },
  logs: { pkg: "opentelemetry.proto.collector.logs.v1", name: "Logs" },
} satisfies Record<Signal, { pkg: string; name: string }>;

function classes(signal: Signal): { request: MessageClass; response: MessageClass } {
  const { pkg, name } = services[signal];
  return {
    request: lookup(`${pkg}.Export${name}ServiceRequest`),
    response: lookup(`${pkg}.Export${name}ServiceResponse`),
  };
}

const cache = new Map<Signal, ReturnType<typeof classes>>();

/** The export request and response classes of one signal. */
export function messagesOf(signal: Signal): { request: MessageClass; response: MessageClass } {
  let found = cache.get(signal);
  if (!found) {
    found = classes(signal);
    cache.set(signal, found);
  }
  return found;
}

/** The gRPC method path of a signal's `Export`, as the collector protos define it. */
export function grpcExportPath(signal: Signal): string {
  const { pkg, name } = services[signal];
  return `/${pkg}.${name}Service/Export`;
}

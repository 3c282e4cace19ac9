/**
 * What the test OTLP receiver hands to tests: every signal flattened into plain records, the same
 * whatever wire format carried it, so one assertion covers http/protobuf, http/json and grpc.
 */

export type Signal = "traces" | "metrics" | "logs";
export type Transport = "http/protobuf" | "http/json" | "grpc";

/**
 * An OTLP `AnyValue`. Integers are numbers while they are safe integers and bigints beyond, so
 * tests compare token counts with plain literals; `bytesValue` is a `Uint8Array` in both encodings.
 */
export type AttributeValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | null
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

/** OTLP enum values as names: OTLP's `SpanKind` counts from 1, the API's from 0, names from neither. */
export type SpanKindName =
  | "unspecified"
  | "internal"
  | "server"
  | "client"
  | "producer"
  | "consumer";
export type StatusCodeName = "unset" | "ok" | "error";
export type Temporality = "unspecified" | "delta" | "cumulative";

/** Where a record came from: its resource, instrumentation scope and wire format. */
export interface Origin {
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  transport: Transport;
}

export interface ReceivedSpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface ReceivedSpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** One span. Ids are lowercase hex; `parentSpanId` is `""` for a root span. */
export interface ReceivedSpan extends Origin {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: SpanKindName;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  status: { code: StatusCodeName; message: string };
  events: ReceivedSpanEvent[];
  links: ReceivedSpanLink[];
}

interface MetricPointBase extends Origin {
  name: string;
  description: string;
  unit: string;
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
}

/** Sum and gauge values are numbers: `asInt` beyond 2^53 loses precision, which no test needs. */
export interface ReceivedSumPoint extends MetricPointBase {
  type: "sum";
  value: number;
  temporality: Temporality;
  monotonic: boolean;
}

export interface ReceivedGaugePoint extends MetricPointBase {
  type: "gauge";
  value: number;
}

export interface HistogramValue {
  count: number;
  /** Absent when the SDK does not record sums (e.g. instruments that can go negative). */
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ReceivedHistogramPoint extends MetricPointBase {
  type: "histogram";
  value: HistogramValue;
  temporality: Temporality;
}

/** One data point of one metric; narrow on `type` to read its value. */
export type ReceivedMetricPoint = ReceivedSumPoint | ReceivedGaugePoint | ReceivedHistogramPoint;

/** One log record. `traceId`/`spanId` are `""` when the record carries no span context. */
export interface ReceivedLog extends Origin {
  eventName: string;
  body: AttributeValue | undefined;
  attributes: Attributes;
  traceId: string;
  spanId: string;
  severityNumber: number;
  severityText: string;
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
}

/** Every export request, accepted or rejected, in arrival order. */
export interface ReceivedRequest {
  signal: Signal;
  transport: Transport;
  /** Lowercase header (HTTP) or metadata (gRPC) names; repeated values joined with ", ". */
  headers: Record<string, string>;
  /** The injected HTTP status this request was answered with, if any. */
  failedWith: number | undefined;
}

export type RequestCounts = Record<Signal, Record<Transport, number>>;

/** Answer the next `count` matching requests with an error instead of accepting them. */
export interface Failure {
  /** HTTP status for HTTP requests, e.g. 401, 413, 429, 503. */
  status: number;
  /** How many requests to fail; 1 unless told. */
  count?: number;
  /** Only fail requests for this signal; any signal unless told. */
  signal?: Signal;
  /** Extra HTTP response headers, e.g. `{ "retry-after": "0" }`. */
  headers?: Record<string, string>;
  /** gRPC status code; derived from `status` by gRPC's HTTP mapping unless told. */
  grpcCode?: number;
}

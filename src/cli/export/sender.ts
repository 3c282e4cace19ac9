/**
 * Sends one table's batch to the destination, as the plugin's exporter would: the same transport
 * (`src/delivery/transport.ts`), gzip, retries with backoff on retryable answers, and halving on
 * "too large". Anything else stops the export with a message saying why (exit 1); the saved
 * position means a rerun starts from this batch.
 */
import type { OtlpProtocol } from "../../config/types.js";
import { createTransport, type SendResult, type Transport } from "../../delivery/transport.js";
import type { LogRow, MetricPointRow, SpanRow, StoredTable } from "../../store/index.js";
import { CliError } from "../errors.js";
import { encodeJson, encodeProtobuf } from "../otlp/encode.js";
import { logsRequest, metricsRequest, type OtlpRequest, tracesRequest } from "../otlp/from-rows.js";
import type { Signal } from "../otlp/protos.js";

export type Batch =
  | { readonly table: "spans"; readonly rows: readonly SpanRow[] }
  | { readonly table: "logs"; readonly rows: readonly LogRow[] }
  | { readonly table: "metricPoints"; readonly rows: readonly MetricPointRow[] };

export const SIGNAL_OF: Record<StoredTable, Signal> = {
  spans: "traces",
  logs: "logs",
  metricPoints: "metrics",
};

export interface SenderOptions {
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Attempts per request before giving up on retryable failures. */
  readonly attempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the endpoint refused inside requests it accepted (OTLP partial success). */
export interface Rejected {
  /** Items refused; OTLP says a sender must not send them again. */
  readonly items: number;
  /** The endpoint's last message about it, if it gave one. */
  readonly message: string;
}

export interface Sender {
  /** Resolves once the endpoint has taken the batch, with what it refused inside it. */
  send(batch: Batch): Promise<Rejected>;
  close(): void;
}

function requestOf(batch: Batch): OtlpRequest {
  switch (batch.table) {
    case "spans":
      return tracesRequest(batch.rows);
    case "logs":
      return logsRequest(batch.rows);
    case "metricPoints":
      return metricsRequest(batch.rows);
  }
}

function halves(batch: Batch): [Batch, Batch] | undefined {
  if (batch.rows.length < 2) return undefined;
  const middle = Math.ceil(batch.rows.length / 2);
  // Rebuilt per member so each half keeps its table's row type.
  switch (batch.table) {
    case "spans":
      return [
        { table: "spans", rows: batch.rows.slice(0, middle) },
        { table: "spans", rows: batch.rows.slice(middle) },
      ];
    case "logs":
      return [
        { table: "logs", rows: batch.rows.slice(0, middle) },
        { table: "logs", rows: batch.rows.slice(middle) },
      ];
    case "metricPoints":
      return [
        { table: "metricPoints", rows: batch.rows.slice(0, middle) },
        { table: "metricPoints", rows: batch.rows.slice(middle) },
      ];
  }
}

/** `https://host/otlp` → `https://host/otlp/v1/traces` (HTTP); gRPC takes the base URL. */
export function signalUrl(endpoint: string, protocol: OtlpProtocol, signal: Signal): string {
  if (protocol === "grpc") return endpoint;
  return `${endpoint.replace(/\/+$/, "")}/v1/${signal}`;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSender(options: SenderOptions): Sender {
  const transports = new Map<Signal, Transport>();
  const attempts = options.attempts ?? 6;
  const sleep = options.sleep ?? sleepFor;
  const transportOf = (signal: Signal) => {
    let transport = transports.get(signal);
    if (!transport) {
      transport = createTransport({
        signal,
        protocol: options.protocol,
        endpoint: signalUrl(options.endpoint, options.protocol, signal),
        timeoutMs: options.timeoutMs ?? 30_000,
        compression: "gzip",
      });
      transports.set(signal, transport);
    }
    return transport;
  };

  async function sendOnce(batch: Batch): Promise<SendResult> {
    const signal = SIGNAL_OF[batch.table];
    const request = requestOf(batch);
    const body =
      options.protocol === "http/json" ? encodeJson(request) : encodeProtobuf(signal, request);
    let result: SendResult = { kind: "retry", reason: "not sent", afterMs: undefined };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      result = await transportOf(signal).send(body, options.headers);
      if (result.kind !== "retry" || attempt === attempts) return result;
      // Exponential backoff from 0.5 s, or what the server asked for (at most a minute).
      await sleep(Math.min(result.afterMs ?? 500 * 2 ** (attempt - 1), 60_000));
    }
    return result;
  }

  async function send(batch: Batch): Promise<Rejected> {
    const result = await sendOnce(batch);
    switch (result.kind) {
      case "ok":
        return { items: result.partial?.rejected ?? 0, message: result.partial?.message ?? "" };
      case "too-large": {
        const parts = halves(batch);
        if (!parts)
          throw new CliError(`the endpoint refused a single row as too large (${result.reason})`);
        const first = await send(parts[0]);
        const second = await send(parts[1]);
        return { items: first.items + second.items, message: second.message || first.message };
      }
      case "auth":
        throw new CliError(
          `the endpoint refused the credentials (${result.reason}); check the headers`,
        );
      case "retry":
        throw new CliError(
          `the endpoint is not taking data (${result.reason}) after ${attempts} attempts`,
        );
      case "rejected":
        throw new CliError(`the endpoint rejected the data (${result.reason})`);
      case "misconfigured":
        throw new CliError(`the endpoint cannot take OTLP as configured (${result.reason})`);
    }
  }

  return {
    send,
    close() {
      for (const transport of transports.values()) transport.close();
    },
  };
}

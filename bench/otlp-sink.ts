/**
 * A byte-counting OTLP/HTTP receiver for the benchmark: accepts `POST /r/<run>/v1/<signal>`,
 * counts wire bytes per run and signal, finds the largest span and says where the bytes go by
 * walking the protobuf wire format (`otlp-wire.ts`), and answers 200 with an empty protobuf body
 * (a valid, empty Export*ServiceResponse). `GET /r/<run>/stats` lets a child wait until its
 * exports have landed. Listens on 127.0.0.1 only; `close()` stops it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gunzipSync, gzipSync } from "node:zlib";
import { addBreakdown, countLogRecords, countMetricPoints, spansOf } from "./otlp-wire.js";

export type Signal = "traces" | "metrics" | "logs";
export const SIGNALS: readonly Signal[] = ["traces", "metrics", "logs"];

export interface SignalStats {
  requests: number;
  /** Request bodies as sent (after any compression). */
  bytes: number;
  /** Size of each request, in arrival order. */
  sizes: number[];
  /** What the same requests would weigh gzipped (OTLP's one standard compression). */
  gzipBytes: number;
  /** The request bodies decoded (gunzipped): the protobuf itself. */
  decodedBytes: number;
  /** Spans (traces), log records (logs) or data points (metrics) received. */
  items: number;
}

export interface RunStats {
  readonly signals: Record<Signal, SignalStats>;
  /** The largest single span: its serialized `Span` message, tag and length prefix included. */
  largestSpan: { bytes: number; name: string };
  /** Bytes by what they carry (`traces span attribute session.id`, `logs resource`, ...). */
  readonly breakdown: Record<string, number>;
  /** Requests that were not protobuf or not understood. */
  errors: string[];
  /** For every turn span: ms from its end to the arrival of the request that carried it. */
  readonly turnDelaysMs: number[];
}

export interface Sink {
  readonly url: string;
  /** Base endpoint for one run: the exporters append `/v1/<signal>`. */
  endpoint(run: string): string;
  stats(run: string): RunStats;
  close(): Promise<void>;
}

const emptyRun = (): RunStats => ({
  signals: {
    traces: { requests: 0, bytes: 0, sizes: [], gzipBytes: 0, decodedBytes: 0, items: 0 },
    metrics: { requests: 0, bytes: 0, sizes: [], gzipBytes: 0, decodedBytes: 0, items: 0 },
    logs: { requests: 0, bytes: 0, sizes: [], gzipBytes: 0, decodedBytes: 0, items: 0 },
  },
  largestSpan: { bytes: 0, name: "" },
  breakdown: {},
  errors: [],
  turnDelaysMs: [],
});

export async function startSink(): Promise<Sink> {
  const runs = new Map<string, RunStats>();
  const runOf = (run: string): RunStats => {
    let stats = runs.get(run);
    if (!stats) {
      stats = emptyRun();
      runs.set(run, stats);
    }
    return stats;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/r\/([\w.-]+)\/(v1\/(traces|metrics|logs)|stats)$/.exec(req.url ?? "");
    const run = match?.[1];
    if (!match || !run) {
      res.writeHead(404).end();
      return;
    }
    const stats = runOf(run);
    if (req.method === "GET" && match[2] === "stats") {
      let requests = 0;
      for (const signal of SIGNALS) requests += stats.signals[signal].requests;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requests }));
      return;
    }
    const signal = SIGNALS.find((s) => s === match[3]);
    if (req.method !== "POST" || !signal) {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.from(chunk));
    const arrived = Date.now();
    const wire = Buffer.concat(chunks);
    const counted = stats.signals[signal];
    counted.requests += 1;
    counted.bytes += wire.length;
    counted.sizes.push(wire.length);
    try {
      if (!String(req.headers["content-type"]).startsWith("application/x-protobuf"))
        throw new Error(`content-type ${req.headers["content-type"]}`);
      const gzipped = req.headers["content-encoding"] === "gzip";
      const body = gzipped ? gunzipSync(wire) : wire;
      counted.gzipBytes += gzipped ? wire.length : gzipSync(body).length;
      counted.decodedBytes += body.length;
      addBreakdown(stats.breakdown, signal, body);
      if (signal === "traces") {
        for (const span of spansOf(body)) {
          counted.items += 1;
          if (span.bytes > stats.largestSpan.bytes)
            stats.largestSpan = { bytes: span.bytes, name: span.name };
          if (span.name.endsWith("turn")) stats.turnDelaysMs.push(arrived - span.endMs);
        }
      } else if (signal === "logs") counted.items += countLogRecords(body);
      else counted.items += countMetricPoints(body);
    } catch (error) {
      stats.errors.push(`${signal}: ${String(error)}`);
    }
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${portOf(server.address())}`;
  return {
    url,
    endpoint: (run) => `${url}/r/${run}`,
    stats: runOf,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function portOf(address: ReturnType<ReturnType<typeof createServer>["address"]>): number {
  if (address === null || typeof address === "string") throw new Error("sink: not on TCP");
  return address.port;
}

/**
 * A real Prometheus for tests (Debian's `prometheus` package, `/usr/bin/prometheus`), started on
 * 127.0.0.1 with a temporary storage folder, scraping an exposition endpoint that serves what the
 * plugin's real SDK recorded, translated by the OpenTelemetry → Prometheus compatibility rules.
 *
 * The translation is `@opentelemetry/exporter-prometheus`'s `PrometheusSerializer` (name and
 * label sanitizing, `_total` on monotonic sums, histogram series, `target_info`) plus the one rule
 * that JS package leaves out and the Collector's Prometheus exporter and Prometheus's own OTLP
 * receiver (the paths Claude Code's public dashboards were built on) apply: the unit suffix
 * (`tokens` → `_tokens`, `s` → `_seconds`, `{token}` → nothing). As the Collector's exporter does,
 * `service.name` and `service.instance.id` become each series' `job` and `instance` labels, which
 * the scrape renames `exported_job` / `exported_instance`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const hasPrometheus = existsSync(PROMETHEUS_BIN);

// The OTel spec's UCUM → Prometheus unit words ("Prometheus and OpenMetrics Compatibility").
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "%": "percent",
};

/** The Prometheus unit suffix of an OTel unit: annotations (`{token}`) dropped, words mapped. */
export function prometheusUnit(unit: string, kind: "gauge" | "other" = "other"): string {
  const bare = unit.replace(/\{[^}]*\}/g, "").trim();
  if (bare === "") return "";
  if (bare === "1") return kind === "gauge" ? "ratio" : "";
  const slash = bare.indexOf("/");
  if (slash > 0) {
    const per = bare.slice(slash + 1);
    const perWord = { s: "second", m: "minute", h: "hour", d: "day" }[per] ?? per;
    return `${UNIT_WORDS[bare.slice(0, slash)] ?? bare.slice(0, slash)}_per_${perWord}`;
  }
  return UNIT_WORDS[bare] ?? bare;
}

/**
 * The metric's name as the Collector's normalizer builds it, before the serializer's sanitizing
 * and `_total`: split into words, a counter's `total` words dropped (the suffix comes last), the
 * unit word appended unless the name already has it.
 */
export function withUnitSuffix(
  name: string,
  unit: string,
  kind: "counter" | "gauge" | "other",
): string {
  const words = name.split(/[^A-Za-z0-9:]+/).filter((word) => word !== "");
  const kept = kind === "counter" ? words.filter((word) => word !== "total") : words;
  const suffix = prometheusUnit(unit, kind === "gauge" ? "gauge" : "other");
  if (suffix !== "" && !kept.includes(suffix)) kept.push(suffix);
  return kept.join("_");
}

/**
 * One exposition text for what several plugin instances (processes) recorded: the last snapshot
 * of each instance, `job`/`instance` from its resource, same-named metrics merged. With `zero`,
 * every point is given at zero: the counters' value before the replayed work happened.
 */
export function expositionText(all: readonly ResourceMetrics[], zero = false): string {
  const latest = new Map<string, ResourceMetrics>();
  for (const rm of all) latest.set(String(rm.resource.attributes["service.instance.id"]), rm);
  const merged = new Map<string, MetricData>();
  for (const rm of latest.values()) {
    const labels = {
      job: String(rm.resource.attributes["service.name"]),
      instance: String(rm.resource.attributes["service.instance.id"]),
    };
    for (const scope of rm.scopeMetrics)
      for (const metric of scope.metrics) {
        const kind =
          metric.dataPointType === DataPointType.GAUGE
            ? "gauge"
            : metric.dataPointType === DataPointType.SUM && metric.isMonotonic
              ? "counter"
              : "other";
        const name = withUnitSuffix(metric.descriptor.name, metric.descriptor.unit, kind);
        const points = metric.dataPoints.map((point) => ({
          ...point,
          attributes: { ...point.attributes, ...labels },
          value: zero ? zeroOf(point.value) : point.value,
        }));
        const known = merged.get(name);
        if (known) {
          merged.set(name, {
            ...known,
            dataPoints: [...known.dataPoints, ...points],
          } as MetricData);
          continue;
        }
        merged.set(name, {
          ...metric,
          descriptor: { ...metric.descriptor, name },
          dataPoints: points,
        } as MetricData);
      }
  }
  const resourceMetrics: ResourceMetrics = {
    resource: resourceFromAttributes({}),
    scopeMetrics: [{ scope: { name: "opencode-otel" }, metrics: [...merged.values()] }],
  };
  return new PrometheusSerializer(undefined, false, undefined, true, true).serialize(
    resourceMetrics,
  );
}

function zeroOf(value: number | Histogram | unknown): unknown {
  if (typeof value === "number") return 0;
  if (typeof value === "object" && value !== null && "buckets" in value) {
    const histogram = value as Histogram;
    return {
      ...histogram,
      count: 0,
      sum: 0,
      buckets: { ...histogram.buckets, counts: histogram.buckets.counts.map(() => 0) },
    };
  }
  return value;
}

/** An HTTP server on 127.0.0.1 serving `text` at `/metrics`. */
export async function startExposition(): Promise<{
  readonly target: string;
  text: string;
  close(): Promise<void>;
}> {
  const state = { text: "" };
  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    res.end(state.text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    get text() {
      return state.text;
    },
    set text(value: string) {
      state.text = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Prometheus {
  readonly url: string;
  /** An instant query at now; the result vector (or the error Prometheus gave). */
  query(promql: string): Promise<{ result: PromSample[]; error?: string }>;
  /** Resolves once the target has been scraped `count` more times. */
  scrapes(count: number): Promise<void>;
  close(): Promise<void>;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts Prometheus scraping `target` every second as job `otel-collector` (the job name in
 * ColeMurray/claude-code-otel's prometheus.yml, which its queries select on). It stops itself
 * after `lifetimeMs` even if the test never calls `close`.
 */
export async function startPrometheus(target: string, lifetimeMs = 180_000): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), "opencode-otel-prom-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: otel-collector",
      "    static_configs:",
      `      - targets: ['${target}']`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  const stop = () => {
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  const timer = setTimeout(stop, lifetimeMs);
  timer.unref();
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus did not start: ${stderr.slice(0, 2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  async function query(promql: string) {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: PromSample[] };
    };
    if (body.status !== "success") return { result: [], error: body.error ?? "failed" };
    return { result: body.data?.resultType === "vector" ? body.data.result : [] };
  }

  async function scrapeCount(): Promise<number> {
    const { result } = await query('count_over_time(up{job="otel-collector"}[1h])');
    return Number(result[0]?.value[1] ?? 0);
  }

  return {
    url,
    query,
    async scrapes(count) {
      const start = await scrapeCount();
      const until = Date.now() + 30_000;
      while ((await scrapeCount()) < start + count) {
        if (Date.now() > until) throw new Error("prometheus did not scrape in time");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async close() {
      clearTimeout(timer);
      stop();
      await new Promise((resolve) =>
        child.exitCode !== null ? resolve(null) : child.once("exit", resolve),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

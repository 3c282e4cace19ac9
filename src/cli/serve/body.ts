/**
 * Reading an OTLP/HTTP request body within the serve limits: a deadline for the whole body (a
 * sender trickling one byte every few seconds is cut off), a size cap before and after
 * decompression, a ratio cap that stops a decompression bomb after a few megabytes, and every
 * byte held counted against the shared memory budget. Decompression streams through zlib, on
 * its thread pool, so a large body never blocks the event loop for other requests.
 */
import type { IncomingMessage } from "node:http";
import { createGunzip, createInflate, type Gunzip, type Inflate } from "node:zlib";
import type { Reservation, ServeLimits } from "./limits.js";
import { busy, Refusal } from "./refusal.js";

const MIB = 1024 * 1024;
/** Below this many decompressed bytes the ratio is not checked: tiny bodies compress well. */
const RATIO_FLOOR = MIB;

export interface BodyOptions {
  readonly limits: ServeLimits;
  readonly reservation: Reservation;
  readonly encoding: string | undefined;
}

function decoderFor(encoding: string | undefined): Gunzip | Inflate | undefined {
  switch (encoding?.trim().toLowerCase() ?? "") {
    case "":
    case "identity":
      return undefined;
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    default:
      throw new Refusal(415, `unsupported content-encoding ${encoding}`);
  }
}

/** The body, decompressed; rejects with a `Refusal`. The caller answers and closes. */
export function readBody(req: IncomingMessage, options: BodyOptions): Promise<Buffer> {
  const { limits, reservation } = options;
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes)
    return Promise.reject(tooLarge(limits.maxBodyBytes, "body"));
  let decoder: Gunzip | Inflate | undefined;
  try {
    decoder = decoderFor(options.encoding);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let settled = false;
    const finish = (error: Refusal | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (error) {
        decoder?.destroy();
        // Stop reading: the answer goes out with `connection: close`.
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, decoded));
    };
    const timer = setTimeout(
      () =>
        finish(new Refusal(408, `the body did not arrive within ${limits.bodyTimeoutMs / 1000} s`)),
      limits.bodyTimeoutMs,
    );
    const keep = (chunk: Buffer): boolean => {
      decoded += chunk.length;
      if (decoded > limits.maxDecodedBytes) {
        finish(tooLarge(limits.maxDecodedBytes, "decompressed body"));
        return false;
      }
      if (decoder && decoded > RATIO_FLOOR && decoded > limits.maxRatio * received) {
        finish(
          new Refusal(
            413,
            `the body decompresses to over ${limits.maxRatio} times its size; refused as a ` +
              "decompression bomb",
          ),
        );
        return false;
      }
      if (!reservation.tryTake(chunk.length)) {
        finish(busy(limits));
        return false;
      }
      chunks.push(chunk);
      return true;
    };
    const onData = (data: Buffer | string) => {
      const chunk = typeof data === "string" ? Buffer.from(data) : data;
      received += chunk.length;
      if (received > limits.maxBodyBytes) return finish(tooLarge(limits.maxBodyBytes, "body"));
      if (!decoder) return void keep(chunk);
      // The compressed bytes are held until zlib has read them.
      if (!reservation.tryTake(chunk.length)) return finish(busy(limits));
      const release = () => reservation.give(chunk.length);
      if (!decoder.write(chunk, release)) {
        req.pause();
        decoder.once("drain", () => {
          if (!settled) req.resume();
        });
      }
    };
    const onEnd = () => {
      if (!decoder) return finish(undefined);
      decoder.end();
    };
    const onError = () => finish(new Refusal(400, "the connection failed while reading the body"));
    const onClose = () => {
      if (!req.complete) finish(new Refusal(400, "the client closed the connection mid-body"));
    };
    decoder?.on("data", (chunk: Buffer) => {
      if (!settled) keep(chunk);
    });
    decoder?.on("end", () => finish(undefined));
    decoder?.on("error", (error) =>
      finish(new Refusal(400, `cannot decompress the ${options.encoding} body: ${error.message}`)),
    );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

function tooLarge(limit: number, what: string): Refusal {
  return new Refusal(413, `the ${what} is larger than ${Math.round(limit / MIB)} MiB`);
}

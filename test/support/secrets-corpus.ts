/**
 * Reads `test/data/secrets-corpus/`: lines of documented credential formats (positives) and
 * benign look-alikes (negatives), with their random parts filled from a seeded PRNG.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = join(import.meta.dir, "../data/secrets-corpus");

export interface Positive {
  readonly format: string;
  readonly source: string;
  readonly text: string;
  /** What must not survive redaction. */
  readonly secret: string;
}

export interface Negative {
  readonly kind: string;
  readonly text: string;
}

const ALPHABETS: Readonly<Record<string, string>> = {
  A: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  U: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  L: "abcdefghijklmnopqrstuvwxyz0123456789",
  H: "0123456789abcdef",
  X: "0123456789ABCDEF",
  D: "0123456789",
  B32: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
  B64: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
  U64: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
  BECH: "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
  BCR: "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
};

/** mulberry32: small, seeded, good enough to make values look random. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `{{KIND:n}}` generators; `\n` becomes a line break. */
function expand(template: string, seed: number): string {
  const random = prng(seed);
  return template
    .replace(/\{\{([A-Z0-9]+):(\d+)\}\}/g, (_match, kind: string, length: string) => {
      const alphabet = ALPHABETS[kind];
      if (!alphabet) throw new Error(`unknown generator ${kind}`);
      let out = "";
      for (let i = 0; i < Number(length); i++)
        out += alphabet[Math.floor(random() * alphabet.length)];
      return out;
    })
    .replaceAll("\\n", "\n");
}

function lines(file: string): string[] {
  return readFileSync(join(DIR, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

export function loadPositives(): Positive[] {
  return lines("positives.txt").map((line, index) => {
    const [format = "", source = "", ...rest] = line.split(" | ");
    const text = expand(rest.join(" | "), 1000 + index);
    const start = text.indexOf("«");
    const end = text.indexOf("»");
    if (start < 0 || end < start) throw new Error(`positives.txt: no «secret» in ${format}`);
    return {
      format,
      source,
      secret: text.slice(start + 1, end),
      text: text.slice(0, start) + text.slice(start + 1, end) + text.slice(end + 1),
    };
  });
}

export function loadNegatives(): Negative[] {
  return lines("negatives.txt").map((line, index) => {
    const [kind = "", ...rest] = line.split(" | ");
    return { kind, text: expand(rest.join(" | "), 5000 + index) };
  });
}

/**
 * True when nothing recognizable of `secret` is left in `redacted`: not the secret, and none of
 * its 10-character pieces, except pieces that also occur in the input outside the secret (a
 * kubeconfig's certificate starts like its key).
 */
export function masked(p: Positive, redacted: string): boolean {
  if (redacted.includes(p.secret)) return false;
  const elsewhere = p.text.replace(p.secret, "\0");
  const size = Math.min(10, p.secret.length);
  for (let i = 0; i + size <= p.secret.length; i += 2) {
    const piece = p.secret.slice(i, i + size);
    if (redacted.includes(piece) && !elsewhere.includes(piece)) return false;
  }
  return true;
}

/**
 * secretlint's recommended rule preset (`@secretlint/secretlint-rule-preset-recommend`, MIT),
 * run as a redactor: a maintained set of vendor token formats (OpenAI, Anthropic, GitHub,
 * GitLab, Slack, Stripe, SendGrid, Shopify, npm, Hugging Face, Groq, Linear, Notion, Grafana,
 * 1Password, Vault, Vercel, Databricks, Docker, Figma, Cloudflare, Tailscale, private keys...).
 * Each rule's `file` handler reports the ranges it found through a minimal stand-in for
 * secretlint's rule context; those ranges are masked.
 *
 * Left out: the AWS rule (it reports the key *name's* position for a secret access key, which
 * would mask the wrong characters; `tokens.ts` and the key-name rule cover AWS), the basic
 * auth and database URL rules (they report the whole URL; `urls.ts` masks only the password),
 * and the GCP rule (it parses the whole text as JSON on every call and then reports all of it;
 * `pem.ts` masks the key inside a service account file).
 *
 * Every remaining rule looks for a literal prefix. `HINTS` lists them (for the pinned 13.1.0),
 * so a text with none of them, which is most text, skips the 23 scans; the redaction corpus
 * has a sample of every rule and fails if one stops matching.
 */
import { rules as presetRules } from "@secretlint/secretlint-rule-preset-recommend";
import { marker } from "./mask.js";

const SKIPPED = new Set([
  "@secretlint/secretlint-rule-aws",
  "@secretlint/secretlint-rule-gcp",
  "@secretlint/secretlint-rule-basicauth",
  "@secretlint/secretlint-rule-database-connection-string",
  "@secretlint/secretlint-rule-filter-comments",
]);

/** The literal every remaining rule's pattern contains, case-sensitive. */
const HINTS =
  /sk-|sk_|rk_|npm_|_authToken|xox|xapp|hooks\.slack|gsk_|hf_|lin_api_|ntn_|SG\.|shp|gh[pousr]_|github_pat_|glpat-|glc_|glsa_|ops_|hv[sbr]\.|vc[pikar]_|dapi|dckr_pat_|figd_|cfk_|cfut_|cfat_|tskey-|-----BEGIN|x-oauth-basic/;

interface Found {
  readonly start: number;
  readonly end: number;
  readonly kind: string;
}

type FileHandler = (source: {
  content: string;
  filePath: string;
  sourceContent: string;
  contentType: "text";
}) => void;

interface ReportContext {
  report(descriptor: unknown): void;
  ignore(descriptor: unknown): void;
  createTranslator(messages: unknown): (id: string) => string;
  registerRule(rule: unknown): void;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null;
}

/** The `range` of a secretlint report: `[start, end]` offsets into the content. */
function rangeOf(descriptor: unknown): readonly [number, number] | undefined {
  if (!isRecord(descriptor) || !Array.isArray(descriptor.range)) return undefined;
  const [start, end] = descriptor.range;
  return typeof start === "number" && typeof end === "number" && end > start
    ? [start, end]
    : undefined;
}

interface Scanner {
  readonly kind: string;
  readonly file: FileHandler;
}

let scanners: readonly Scanner[] | undefined;
/** Where the scanners report to; set for the duration of one `vendorSecrets` call. */
let sink: Found[] = [];
let current = "";

/** Builds each rule's handlers once: the rules keep no state between files. */
function loadScanners(): readonly Scanner[] {
  const built: Scanner[] = [];
  const rules: readonly unknown[] = presetRules;
  for (const rule of rules) {
    if (!isRecord(rule) || !isRecord(rule.meta) || typeof rule.create !== "function") continue;
    const id = typeof rule.meta.id === "string" ? rule.meta.id : "";
    if (rule.meta.type !== "scanner" || SKIPPED.has(id)) continue;
    const kind = id.replace("@secretlint/secretlint-rule-", "");
    const context: ReportContext = {
      report(descriptor) {
        const range = rangeOf(descriptor);
        if (range) sink.push({ start: range[0], end: range[1], kind: current || kind });
      },
      ignore: () => undefined,
      // Messages quote the secret; nothing here keeps them.
      createTranslator: () => (id) => id,
      registerRule: () => undefined,
    };
    const handlers: unknown = rule.create(context, {});
    if (!isRecord(handlers) || typeof handlers.file !== "function") continue;
    const file = handlers.file;
    built.push({ kind, file: (source) => file.call(handlers, source) });
  }
  return built;
}

/** Masks what secretlint's rules find. Never throws: a failing rule is skipped. */
export function redactVendorSecrets(text: string): string {
  if (!HINTS.test(text)) return text;
  scanners ??= loadScanners();
  const found: Found[] = [];
  sink = found;
  const source = {
    content: text,
    filePath: "captured.txt",
    sourceContent: text,
    contentType: "text" as const,
  };
  for (const scanner of scanners) {
    current = scanner.kind;
    try {
      scanner.file(source);
    } catch {
      // A rule that throws on odd input must not stop redaction; the other layers still run.
    }
  }
  current = "";
  sink = [];
  if (found.length === 0) return text;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let copied = 0;
  for (const { start, end, kind } of found) {
    if (end <= copied) continue;
    out += text.slice(copied, Math.max(copied, start)) + (start >= copied ? marker(kind) : "");
    copied = end;
  }
  return out + text.slice(copied);
}

/**
 * Secret masking for every string that leaves the machine.
 *
 * Masked: private key blocks, JWTs, tokens with a known prefix, bearer/basic credentials, URL
 * passwords, values after secret-looking key names (`KEY=v`, `key: v`, `"key": "v"`), and every
 * literal occurrence of a secret-looking environment variable's value.
 *
 * Deliberately not masked: free-standing hex or base64 (git SHAs, hashes, UUIDs, ids), because
 * without a key name or a known prefix they are indistinguishable from ordinary data. Masking
 * them would make tool output useless; a secret that needs catching there is either
 * prefix-shaped or sits in an environment variable, and both are covered.
 *
 * Content is often redacted after JSON serialization, so every pattern also matches after an
 * escaped line break (`\n`) and around escaped quotes (`\"key\": \"value\"`).
 *
 * Every pattern is linear: quantifiers are bounded or over character classes that cannot
 * overlap the next token, and token patterns only start at a token boundary, so a long run of
 * identifier characters is scanned once per pattern, not once per position. No pattern repeats
 * a group (`(?:a|b)*`): Bun's regex engine keeps a backtrack frame per iteration, which is slow
 * past ~100 kB and silently reports "no match" past a few MB, which here would mean a leak.
 * Loops that need more than a character class are written as code (PEM blocks, pair values).
 */

/** A function that masks the secrets in a string. Pure; never throws. */
export type Redactor = (text: string) => string;

const MASK = "[REDACTED]";
const marker = (kind: string): string => `[REDACTED:${kind}]`;

/** Token boundary: not inside an identifier-like run, except right after a JSON escape. */
const START = String.raw`(?:(?<![A-Za-z0-9_\-])|(?<=\\[nrt]))`;

interface TokenPattern {
  readonly kind: string;
  readonly pattern: RegExp;
}

// Order matters: JWTs first (they may follow any key), specific prefixes before general ones.
const TOKENS: readonly TokenPattern[] = [
  { kind: "jwt", pattern: /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/ },
  { kind: "anthropic", pattern: /sk-ant-[A-Za-z0-9_-]{20,}/ },
  { kind: "openai", pattern: /sk-[A-Za-z0-9_-]{20,}/ },
  { kind: "stripe", pattern: /[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { kind: "github", pattern: /gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}/ },
  { kind: "gitlab", pattern: /glpat-[A-Za-z0-9_-]{20,}/ },
  { kind: "aws", pattern: /(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/ },
  { kind: "google", pattern: /AIza[A-Za-z0-9_-]{30,}/ },
  { kind: "slack", pattern: /xox[abprs]-[A-Za-z0-9-]{10,}/ },
  { kind: "npm", pattern: /npm_[A-Za-z0-9]{30,}/ },
  { kind: "huggingface", pattern: /hf_[A-Za-z0-9]{30,}/ },
];

const TOKEN_RULES = TOKENS.map(({ kind, pattern }) => ({
  pattern: new RegExp(`${START}(?:${pattern.source})`, "g"),
  replacement: marker(kind),
}));

const PEM_BEGIN = /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;
/** Characters of a PEM body, also JSON-escaped (`\n`) and with `Proc-Type:`/`DEK-Info:` headers. */
const PEM_BODY = /[\w+/=:,.()\s\\-]*/y;

/**
 * Mask private key blocks through their END line. A key cut off by the tool that printed it
 * (`head -5 id_rsa`) has no END line; it is masked up to the first character that cannot be part
 * of a PEM body.
 */
function redactPem(text: string): string {
  if (!text.includes("-----BEGIN")) return text;
  // Fresh copies: the scan moves `lastIndex` by hand.
  const begin = new RegExp(PEM_BEGIN);
  const body = new RegExp(PEM_BODY);
  const endLine = new RegExp(PEM_END);
  let out = "";
  let copied = 0;
  // Position of the next "-----END" at or after the current block; searched again only when the
  // scan passes it, so a text full of unterminated blocks is still scanned once.
  let nextEnd = -2;
  for (let match = begin.exec(text); match !== null; match = begin.exec(text)) {
    const bodyStart = match.index + match[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf("-----END", bodyStart);
    body.lastIndex = bodyStart;
    body.exec(text);
    let end = body.lastIndex;
    if (nextEnd !== -1 && nextEnd <= end) {
      // The body class also matches an END line and any prose after it; stop at the END line.
      endLine.lastIndex = nextEnd;
      end = endLine.exec(text) === null ? nextEnd : endLine.lastIndex;
    }
    out += text.slice(copied, match.index) + marker("private-key");
    copied = end;
    begin.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `Bearer <credential>` / `Basic <credential>`, anywhere (headers, curl commands, logs). */
const SCHEME_CREDENTIAL =
  /(?:(?<![A-Za-z0-9_])|(?<=\\[nrt]))(bearer|basic)([ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi;

/** `scheme://user:password@host`; the password may itself contain `@`. */
const URL_CREDENTIAL =
  /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@"'<>]{0,256}:)([^\s/?#"'<>]{1,256})@/gi;

/**
 * An identifier-like key (optionally quoted, also with JSON-escaped quotes) and its separator.
 * The value is read by `readValue`, which is easier to keep linear and correct than a regex.
 * `==`, `=>`, `=~` and `::` are code, not assignments.
 */
const KEY_SOURCE = String.raw`(?:(?<![\w.\-])|(?<=\\[nrt]))(\\{0,7}["'\x60]?)([A-Za-z_][\w.\-]{0,127})\1[ \t]{0,16}(?::=|=(?![=>~])|:(?!:))[ \t]{0,16}`;

/** Cheap pre-filter so that most keys in ordinary code skip the full name check. */
const SECRET_HINT = /tok|sec|pass|pwd|auth|cred|key|cookie/i;
/** A name segment that ends in one of these words names a secret (`githubtoken`, `db_password`). */
const SECRET_WORD =
  /(?:token|secrets?|passwords?|passwd|passphrase|pwd|auth|authorization|credentials?|apikey|accesskey|privatekey|secretkey|sessionkey|authkey|cookie)$/;
/** `<owner>_key`: `api_key`, `x-api-key`, `accessKey`, `private_key`, `session_key`. */
const KEY_OWNER = /(?:api|access|private|secret|session|auth)$/;
/** Names about a secret rather than holding one: `token_count`, `token_type`, `auth_url`. */
const NOT_SECRET_SUFFIX = new Set(
  `count limit length len size usage type kind mode method
   url uri endpoint path file dir name ttl expiry expires timeout`.split(/\s+/),
);

/**
 * True when a key or variable name looks like it holds a secret. Matching is per name segment
 * (split on `_ - .` and camelCase), so `GITHUB_TOKEN`, `apiKey` and `x-auth-token` match while
 * `tokenizer`, `max_tokens`, `author` and `token_count` do not. `PWD`/`OLDPWD` are the shell's
 * working directory, not a password.
 */
export function isSecretName(name: string): boolean {
  if (!SECRET_HINT.test(name)) return false;
  const known = nameCache.get(name);
  if (known !== undefined) return known;
  const secret = classifyName(name);
  // Code repeats the same few names; a small cache keeps big inputs cheap. Cleared, not LRU:
  // the cache only saves time.
  if (nameCache.size >= 1024) nameCache.clear();
  nameCache.set(name, secret);
  return secret;
}

const nameCache = new Map<string, boolean>();

function classifyName(name: string): boolean {
  const segments = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((segment) => segment.length > 0);
  const last = segments.at(-1);
  if (last === undefined || NOT_SECRET_SUFFIX.has(last)) return false;
  const joined = segments.join("_");
  if (joined === "pwd" || joined === "oldpwd") return false;
  return segments.some(
    (segment, i) =>
      SECRET_WORD.test(segment) ||
      (KEY_OWNER.test(segment) && /^keys?$/.test(segments[i + 1] ?? "")),
  );
}

/**
 * Build a redactor. Secret-looking variables in `env` (at least 8 characters; names matched by
 * `isSecretName`, plus `*_HEADERS`, which carry exporter credentials) are read once, here.
 */
export function createRedactor(env: Record<string, string | undefined>): Redactor {
  const envRule = envValuePattern(env);
  return (text) => {
    if (text.length === 0) return text;
    let out = envRule === undefined ? text : text.replace(envRule, marker("env"));
    out = redactPem(out);
    for (const rule of TOKEN_RULES) out = out.replace(rule.pattern, rule.replacement);
    out = out.replace(URL_CREDENTIAL, (_match, head: string) => `${head}${marker("password")}@`);
    out = out.replace(
      SCHEME_CREDENTIAL,
      (match, scheme: string, gap: string, credential: string) =>
        looksLikeCredential(credential) ? `${scheme}${gap}${marker(scheme.toLowerCase())}` : match,
    );
    return redactPairs(out);
  };
}

function envValuePattern(env: Record<string, string | undefined>): RegExp | undefined {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < 8) continue;
    if (!isSecretName(name) && !/_HEADERS$/i.test(name)) continue;
    // The value as it appears raw, inside serialized JSON, and inside JSON nested in JSON.
    const once = JSON.stringify(value).slice(1, -1);
    values.add(value).add(once).add(JSON.stringify(once).slice(1, -1));
  }
  if (values.size === 0) return undefined;
  // Longest first, so a value that contains another is masked whole.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join("|"), "g");
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Prose says "bearer tokens" or "Basic authentication"; credentials have digits or symbols. */
function looksLikeCredential(value: string): boolean {
  return /[0-9._~+/=-]/.test(value) || /[a-z][A-Z]/.test(value) || value.length >= 24;
}

function redactPairs(text: string): string {
  const key = new RegExp(KEY_SOURCE, "g");
  let out = "";
  let copied = 0;
  for (let match = key.exec(text); match !== null; match = key.exec(text)) {
    const name = match[2];
    if (name === undefined || !isSecretName(name)) continue;
    const value = readValue(text, key.lastIndex);
    if (value === undefined) continue;
    out += text.slice(copied, value.start) + MASK;
    copied = value.end;
    key.lastIndex = Math.max(key.lastIndex, value.end);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Longer values are never taken for code. Skipped values do not advance the scan, so this bound
 * is what keeps input like `token=$token=$token=...` linear.
 */
const MAX_CODE = 128;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
/**
 * Characters that end an unquoted value: whitespace, quotes, and code/list punctuation. A
 * password containing one of these is masked only up to it; the alternative, masking to the end
 * of the line, would wipe ordinary code such as `f(token: string, n: number)`.
 */
const UNQUOTED_STOP = new Set([..." \t\r\n\f\v\"'`,;&()[]{}<>"].map((c) => c.charCodeAt(0)));
const AUTH_SCHEME = /^(?:bearer|basic|token|digest)$/i;
/** Values that are code, not secrets: `password: string`, `token = null`, `auth: true`. */
const CODE_WORD =
  /^(?:true|false|null|nil|none|undefined|string|number|boolean|bool|str|int|bytes|any|unknown|object|never|void|new|await|this|self|function|async|typeof|required|optional)$/i;
/** `process.env.API_KEY`, `req.body.password`, `options?.token`. */
const MEMBER_CHAIN = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/;
/** References: `$TOKEN`, `%TOKEN%`, YAML `*alias` and `!tag`, a trailing `# comment`. */
const REFERENCE_START = /^[$%#*!]/;

/** The span of the value that starts at `from`, or undefined when there is nothing to mask. */
function readValue(text: string, from: number): Span | undefined {
  let slashes = 0;
  while (slashes < 7 && text.charCodeAt(from + slashes) === BACKSLASH) slashes += 1;
  const quote = text[from + slashes];
  if (quote === '"' || quote === "'" || quote === "`") {
    const start = from + slashes + 1;
    if (text.startsWith("[REDACTED", start)) return undefined;
    const end = findClose(text, start, "\\".repeat(slashes) + quote, slashes === 0);
    return end === start ? undefined : { start, end };
  }
  // An escape right after the separator (`KEY=\n`) means the value is empty.
  if (slashes > 0) return undefined;
  const end = unquotedEnd(text, from);
  const value = text.slice(from, end);
  if (value.length === 0 || isCode(value, text[end])) return undefined;
  if (AUTH_SCHEME.test(value)) return schemeCredential(text, end);
  return { start: from, end };
}

/** `Authorization: Bearer <credential>`: keep the scheme, mask what follows it. */
function schemeCredential(text: string, from: number): Span | undefined {
  let start = from;
  while (text[start] === " " || text[start] === "\t") start += 1;
  if (start === from || text.startsWith("[REDACTED", start)) return undefined;
  const end = unquotedEnd(text, start);
  if (end === start) return undefined;
  return { start, end };
}

function unquotedEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (UNQUOTED_STOP.has(code)) break;
    // A JSON escape ends the value: `PASSWORD=abc\nNEXT=1` as serialized text.
    if (code === BACKSLASH && /[nrt"'\\]/.test(text[i + 1] ?? "")) break;
    i += 1;
  }
  return i;
}

/**
 * Index of the closing quote, or of the line end for an unterminated value (masked up to there:
 * better too much than a leaked tail). Masked values are skipped by the caller, so scans never
 * overlap and there is no need for a length bound.
 */
function findClose(text: string, start: number, close: string, skipEscapes: boolean): number {
  let i = start;
  while (i < text.length) {
    if (text.startsWith(close, i)) return i;
    const code = text.charCodeAt(i);
    if (code === NEWLINE) return i;
    i += skipEscapes && code === BACKSLASH ? 2 : 1;
  }
  return text.length;
}

function isCode(value: string, next: string | undefined): boolean {
  if (value.length > MAX_CODE) return false;
  if (next === "(" || next === "<" || next === "[") return true; // a call, generic or array type
  if (REFERENCE_START.test(value) || CODE_WORD.test(value) || MEMBER_CHAIN.test(value)) return true;
  // `token: token`, `apiKey = githubToken`: a variable that holds the secret, not the secret.
  return /^[A-Za-z_][\w]*$/.test(value) && isSecretName(value);
}

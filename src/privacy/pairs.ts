/**
 * Values after secret-looking key names: `KEY=v`, `key: v`, `"key": "v"`, `<password>v</password>`,
 * also JSON-escaped; values whose name stands apart from them (`redactNamedValues`) and values
 * in prose (`redactProse`). The value is read by code (`readValue`), which is easier to keep
 * linear and correct than a regex, and told apart from code that merely names a secret
 * (`password: string`, `token = getToken()`, `apiKey: process.env.API_KEY`).
 */
import { MASK } from "./mask.js";
import { isSecretName } from "./names.js";

/**
 * An identifier-like key (optionally quoted, also with JSON-escaped quotes) and its separator.
 * `==`, `=>`, `=~` and `::` are code, not assignments.
 */
const KEY_SOURCE = String.raw`(?:(?<![\w.\-])|(?<=\\[nrt]))(\\{0,7}["'\x60]?)([A-Za-z_][\w.\-]{0,127})\1[ \t]{0,16}(?::=|=(?![=>~])|:(?!:))[ \t]{0,16}`;
/** `<password>value</password>` (XML config such as Maven's settings.xml). */
const XML_ELEMENT = /<([A-Za-z_][\w.-]{0,63})>([^<\n]{1,512})<\/\1>/g;

interface Span {
  readonly start: number;
  readonly end: number;
}

export function redactPairs(text: string): string {
  const key = new RegExp(KEY_SOURCE, "g");
  let out = "";
  let copied = 0;
  for (let match = key.exec(text); match !== null; match = key.exec(text)) {
    const name = match[2];
    if (name === undefined || !isSecretName(name)) continue;
    // `arn:aws:secretsmanager:region:account:secret:name`: the ARN names a secret, holds none.
    if (inArn(text, match.index)) continue;
    // `"Password: "` is a label inside a string, not a key: its "value" is the closing quote.
    const before = text[match.index - 1];
    const label = match[1] === "" && (before === '"' || before === "'");
    if (label && text[afterEscapes(text, key.lastIndex)] === before) continue;
    const value = readValue(text, key.lastIndex);
    if (value === undefined) continue;
    out += text.slice(copied, value.start) + MASK;
    copied = value.end;
    key.lastIndex = Math.max(key.lastIndex, value.end);
  }
  const paired = copied === 0 ? text : out + text.slice(copied);
  const named = redactNamedValues(paired.includes("</") ? redactXmlElements(paired) : paired);
  return redactProse(named);
}

/**
 * A secret's name and value given apart: Terraform's `variable "db_password" { default = "…" }`,
 * .NET's `<add key="ApiKey" value="…" />`, a setter or builder (`setPassword("…")`,
 * `.apiKey("…")`, `withToken('…')`).
 */
const NAMED_VALUE =
  /variable[ \t]+\\{0,3}"([\w-]{1,128})\\{0,3}"[ \t]*\{[^{}]{0,256}?default[ \t]*=[ \t]*\\{0,3}"([^"\n\\]{1,512})\\{0,3}"|key=\\{0,3}"([\w.:-]{1,128})\\{0,3}"[ \t]+value=\\{0,3}"([^"\n\\]{1,512})\\{0,3}"|(?<![\w$])((?:set|with)(?:_[a-z]|[A-Z])\w{0,64}|\.[a-z]\w{0,64})\((\\{0,3}["'])([^"'\s\\]{6,256})\6\)/g;
/** The first word of a builder method that takes the secret itself (`.password(…)`, `.apiKey(…)`). */
const BUILDER_START =
  /^(?:password|passwd|passphrase|token|secret|api|access|client|auth|private|credentials?|bearer)(?:[A-Z]|$)/;

/**
 * A call given a secret's name, then its value: `req.Header.Set("X-Api-Key", "…")`,
 * `os.environ.setdefault("API_TOKEN", "…")`, `config.set("password", "…")`.
 */
const NAME_THEN_VALUE =
  /\([ \t]*(\\{0,3}["'])([\w.-]{1,64})\1[ \t]*,[ \t]*(\\{0,3}["'])([^"'\s\\]{6,512})(?=\3)/g;

function redactNamedValues(text: string): string {
  if (!/default|value=|\(/.test(text)) return text;
  const out = text.includes(",")
    ? text.replace(
        NAME_THEN_VALUE,
        (match: string, _q: string, name: string, _q2: string, value: string) =>
          isSecretName(name) && !isCode(value, undefined) && looksGenerated(value)
            ? match.slice(0, match.length - value.length) + MASK
            : match,
      )
    : text;
  return out.replace(NAMED_VALUE, (match: string, ...groups: unknown[]) => {
    const [tfName, tfValue, xmlName, xmlValue, call, , callValue] = groups;
    const name =
      typeof tfName === "string" ? tfName : typeof xmlName === "string" ? xmlName : undefined;
    const value =
      typeof tfValue === "string" ? tfValue : typeof xmlValue === "string" ? xmlValue : callValue;
    if (typeof value !== "string" || value.startsWith("[REDACTED") || isCode(value, undefined))
      return match;
    // The value is the match's last occurrence of it (the name comes first).
    const masked = () => {
      const at = match.lastIndexOf(value);
      return match.slice(0, at) + MASK + match.slice(at + value.length);
    };
    if (name !== undefined) return isSecretName(name) ? masked() : match;
    if (typeof call !== "string") return match;
    const method = call.startsWith(".") ? call.slice(1) : call.replace(/^(?:set|with)_?/, "");
    if (call.startsWith(".") && !BUILDER_START.test(method)) return match;
    return isSecretName(method) && looksGenerated(value) ? masked() : match;
  });
}

/** `The admin password is Xy7…`: a value in prose, only when it looks generated. */
const PROSE_SECRET =
  /\b(?:password|passphrase|passcode|api key|token|secret)[ \t]+(?:is|was)[ \t]+:?[ \t]*([^\s"'`]{8,256})/gi;

function redactProse(text: string): string {
  if (!/ (?:is|was) /i.test(text)) return text;
  return text.replace(PROSE_SECRET, (match: string, raw: string) => {
    const value = raw.replace(/[.,;:)]+$/, "");
    if (value.startsWith("[REDACTED") || !looksGenerated(value) || PROSE_WORD.test(value))
      return match;
    return match.slice(0, match.length - raw.length) + MASK + raw.slice(value.length);
  });
}

/** Prose says "bearer tokens" or "Basic authentication"; credentials have digits or symbols. */
export function looksLikeCredential(value: string): boolean {
  return /[0-9._~+/=-]/.test(value) || /[a-z][A-Z]/.test(value) || value.length >= 24;
}

/** Letters with digits or symbols, or mixed case past the first letter: not a word of prose. */
export function looksGenerated(value: string): boolean {
  return (
    value.length >= 6 &&
    ((/[A-Za-z]/.test(value) && /[0-9!@#$%^&*+=~?]/.test(value)) || /[a-z][A-Z]/.test(value))
  );
}

function redactXmlElements(text: string): string {
  return text.replace(XML_ELEMENT, (element, name: string, value: string) =>
    isSecretName(name) && !value.startsWith("[REDACTED") && !isCode(value, undefined)
      ? `<${name}>${MASK}</${name}>`
      : element,
  );
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
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|ssws)$/i;
/** Values that are code, not secrets: `password: string`, `token = null`, `auth: true`. */
const CODE_WORD =
  /^(?:true|false|null|nil|none|undefined|string|number|boolean|bool|str|int|bytes|any|unknown|object|never|void|new|await|this|self|function|async|typeof|required|optional|ok|yes|no|on|off|enabled|disabled|oauth2?|oidc|sso|saml|ldap|jwt|anonymous|public|private|internal|default|auto|manual)$/i;
/** Prose after a label (`Enter your password: the field below`): no password is "the". */
const PROSE_WORD =
  /^(?:the|a|an|is|are|was|be|and|or|not|to|of|for|in|on|at|by|with|from|your|my|our|their|this|that|these|it|if|then|see|use|set|enter|type|click|press|same|here|below|above|required|missing|invalid|empty|none|n\/a)$/i;
/** A name segment that looks generated rather than written: long, or letters mixed with digits. */
const RANDOM_SEGMENT = /^(?=[\w$]*\d)(?=[\w$]*[A-Za-z])[\w$]{12,}$|^[\w$]{25,}$/;
/** References: `$TOKEN`, `%TOKEN%`, YAML `*alias` and `!tag`, a trailing `# comment`. */
const REFERENCE_START = /^[$%#*!]/;
/** `********`: already masked by whoever printed it. */
const ALREADY_MASKED = /^(?:\*+|•+)$/;

/** The index after any backslashes at `from` (JSON escapes in front of a quote). */
function afterEscapes(text: string, from: number): number {
  let i = from;
  while (i < from + 7 && text.charCodeAt(i) === BACKSLASH) i += 1;
  return i;
}

/** The span of the value that starts at `from`, or undefined when there is nothing to mask. */
function readValue(text: string, from: number): Span | undefined {
  let slashes = 0;
  while (slashes < 7 && text.charCodeAt(from + slashes) === BACKSLASH) slashes += 1;
  const quote = text[from + slashes];
  if (quote === '"' || quote === "'" || quote === "`") {
    const start = from + slashes + 1;
    if (text.startsWith("[REDACTED", start)) return undefined;
    const end = findClose(text, start, "\\".repeat(slashes) + quote, slashes === 0);
    if (end === start || ALREADY_MASKED.test(text.slice(start, end))) return undefined;
    return { start, end };
  }
  // An escape right after the separator (`KEY=\n`) means the value is empty.
  if (slashes > 0) return undefined;
  // `otpauth://…`, `auth: //host`: the separator was a URL's scheme colon.
  if (text.startsWith("//", from)) return undefined;
  const end = unquotedEnd(text, from);
  const value = text.slice(from, end);
  if (value.length === 0 || value.startsWith("[REDACTED")) return undefined;
  // `Authorization: Token <credential>`: the scheme word would pass for a variable name.
  if (AUTH_SCHEME.test(value)) return schemeCredential(text, end);
  if (isCode(value, text[end])) return undefined;
  return { start: from, end };
}

/**
 * `Authorization: Bearer <credential>`: keep the scheme, mask what follows it, when it looks
 * like a credential (`auth: token based` is prose).
 */
function schemeCredential(text: string, from: number): Span | undefined {
  let start = from;
  while (text[start] === " " || text[start] === "\t") start += 1;
  if (start === from || text.startsWith("[REDACTED", start)) return undefined;
  const end = unquotedEnd(text, start);
  const credential = text.slice(start, end);
  if (credential.length < 8 || !looksLikeCredential(credential)) return undefined;
  return { start, end };
}

/** True when the key at `at` is a field of an AWS ARN (`arn:aws:…:secret:name`). */
function inArn(text: string, at: number): boolean {
  if (text[at - 1] !== ":") return false;
  // Back to the start of the word the key is in (an ARN has no spaces or quotes), 256 at most.
  let start = at;
  while (start > 0 && at - start < 256 && !/[\s"'`=]/.test(text[start - 1] ?? "")) start -= 1;
  return text.startsWith("arn:", start);
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

/**
 * Placeholders in examples and templates: `<your-api-key>`, `your_key_here`, `changeme`,
 * `xxxxxxxx`. They hold no secret, and masking them would hide what the example says.
 */
const PLACEHOLDER =
  /^(?:<[^<>]{1,64}>|(?:your|my)[_-][\w-]{0,60}|[\w-]{1,60}[_-]here|x{4,}|X{4,}|changeme|replace[_-]?me|placeholder|[^\s]{0,60}(?:\.\.\.|…))$/i;

function isCode(value: string, next: string | undefined): boolean {
  if (value.length > MAX_CODE) return false;
  if (PLACEHOLDER.test(value)) return true;
  if (next === "(" || next === "<" || next === "[") return true; // a call, generic or array type
  if (REFERENCE_START.test(value) || CODE_WORD.test(value) || PROSE_WORD.test(value)) return true;
  if (ALREADY_MASKED.test(value)) return true;
  // `$pw = Read-Host …`: a PowerShell cmdlet (Verb-Noun) computes the value.
  if (/^[A-Z][a-z]+-[A-Z][A-Za-z]+$/.test(value)) return true;
  // `secretKey: Buffer;`, `token: KeyObject,`: a type annotation.
  if (/^(?:[A-Z][a-z]+)+$/.test(value) && next !== undefined && ";,)|>=".includes(next))
    return true;
  // `process.env.API_KEY`, `req.body.password`, `options?.token`; but `SG.x.y`, `hvs.x` and a
  // bootstrap token `abcdef.0123456789abcdef` are dotted too, with generated segments.
  const segments = value.split(/\??\./);
  if (
    segments.length > 1 &&
    segments.every((s) => /^[A-Za-z_$][\w$]*$/.test(s) && !RANDOM_SEGMENT.test(s))
  )
    return true;
  // `token: token`, `apiKey = githubToken`: a variable that holds the secret, not the secret.
  // A generated value can hold a secret word by chance (`pnu_…Pw…`): its segments give it away.
  return (
    /^[A-Za-z_][\w]*$/.test(value) &&
    isSecretName(value) &&
    !value.split("_").some((segment) => RANDOM_SEGMENT.test(segment))
  );
}

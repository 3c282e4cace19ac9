/**
 * Which key and variable names hold secrets. Matching is per name segment (split on `_ - .` and
 * camelCase), so `GITHUB_TOKEN`, `apiKey`, `x-auth-token` and `DB_PASS` match while `tokenizer`,
 * `max_tokens`, `author`, `token_count` and `AUTH_TOKEN_HEADER` do not.
 */

/** Cheap pre-filter so that most keys in ordinary code skip the full name check. */
const SECRET_HINT = /tok|sec|pass|pw|auth|cred|key|cookie|sig|team|art-api/i;
/** A name segment that ends in one of these words names a secret (`githubtoken`, `db_password`). */
const SECRET_WORD =
  /(?:token|secrets?|passwords?|passwd|passphrase|pwd|auth|authorization|credentials?|apikey|accesskey|privatekey|secretkey|sessionkey|authkey|cookie)$/;
/** Segments that name a secret only when they are the whole segment (`DB_PASS`, `sig=`). */
const SECRET_SEGMENT = new Set(["pass", "pw", "sig", "signature", "privkey", "passcode"]);
/**
 * `<owner>_key`: `api_key`, `x-api-key`, `accessKey`, `private_key`, Azure's `AccountKey`,
 * `encryption_key`, `master_key`, `signing_key`, `shared_key`, `client_key`, `license_key`.
 */
const KEY_OWNER =
  /(?:api|access|private|secret|session|auth|account|encryption|master|signing|shared|client|license|app|subscription)$/;
/** Header names that carry a credential without saying so. */
const KNOWN_SECRET_NAMES = new Set([
  "x-honeycomb-team",
  "x-jfrog-art-api",
  "x-goog-iam-authorization-token",
]);
/**
 * Names about a secret rather than holding one: `token_count`, `token_type`, `auth_url`,
 * `AUTH_TOKEN_HEADER`, `TOKEN_PATTERN`, and file names (`token.js:42`).
 */
const NOT_SECRET_SUFFIX = new Set(
  `count limit length len size usage type kind mode method
   url uri endpoint path file dir name ttl expiry expires timeout
   seconds secs sec ms millis minutes mins hours days min max enabled required
   header headers prefix suffix field param pattern regex format label env var stdin hash
   js mjs cjs ts tsx jsx py rb go rs java json yaml yml toml md txt sh html css`.split(/\s+/),
);

const nameCache = new Map<string, boolean>();

/**
 * True when a key or variable name looks like it holds a secret. `PWD`/`OLDPWD` are the shell's
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

function classifyName(name: string): boolean {
  if (KNOWN_SECRET_NAMES.has(name.toLowerCase())) return true;
  const segments = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((segment) => segment.length > 0);
  const last = segments.at(-1);
  if (last === undefined || NOT_SECRET_SUFFIX.has(last)) return false;
  const joined = segments.join("_");
  if (joined === "pwd" || joined === "oldpwd") return false;
  // kubeconfig's `client-key-data` is a base64 private key.
  if (last === "data" && segments.at(-2) === "key") return true;
  return segments.some(
    (segment, i) =>
      SECRET_WORD.test(segment) ||
      SECRET_SEGMENT.has(segment) ||
      (KEY_OWNER.test(segment) && /^keys?$/.test(segments[i + 1] ?? "")),
  );
}

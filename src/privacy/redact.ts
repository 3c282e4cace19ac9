/**
 * Secret masking for every string that leaves the machine, in layers, each on the previous
 * one's output (a masked value is never matched again):
 * 1. the literal values of secret-looking environment variables (`env-values` below);
 * 2. private keys: PEM blocks and base64-encoded PEM (`pem.ts`);
 * 3. vendor tokens by their documented formats (`tokens.ts`), then secretlint's recommended
 *    rules (`vendor-rules.ts`, a maintained dependency) for what those do not know;
 * 4. credentials in URLs and webhook URLs (`urls.ts`);
 * 5. `Bearer`/`Basic`/`SSWS` credentials;
 * 6. passwords on command lines (and SQL, Redis `AUTH`, PowerShell), in .netrc and .pgpass,
 *    and given by position (Twilio's client, basic-auth tuples) (`commands.ts`);
 * 7. values after secret-looking key names, values whose name stands apart (Terraform
 *    defaults, `<add key value>`, setters and builders) and generated-looking values in prose
 *    (`pairs.ts`, names in `names.ts`).
 *
 * Deliberately not masked: free-standing hex or base64 (git SHAs, hashes, UUIDs, ids), because
 * without a key name, a command or a known prefix they are indistinguishable from ordinary data.
 * `test/redaction-corpus.test.ts` measures recall and false positives on
 * `test/data/secrets-corpus/`.
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
import { redactCommands } from "./commands.js";
import { marker } from "./mask.js";
import { isSecretName } from "./names.js";
import { looksLikeCredential, redactPairs } from "./pairs.js";
import { redactBase64Pem, redactPem } from "./pem.js";
import { redactTokens } from "./tokens.js";
import { redactUrls } from "./urls.js";
import { redactVendorSecrets } from "./vendor-rules.js";

export { isSecretName } from "./names.js";

/** A function that masks the secrets in a string. Pure; never throws. */
export type Redactor = (text: string) => string;

/** `Bearer <credential>` / `Basic <credential>` / Okta's `SSWS <credential>`, anywhere. */
const SCHEME_CREDENTIAL =
  /(?:(?<![A-Za-z0-9_])|(?<=\\[nrt]))(bearer|basic|ssws)([ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi;

/**
 * Build a redactor. Secret-looking variables in `env` (at least 8 characters; names matched by
 * `isSecretName`, plus `*_HEADERS`, which carry exporter credentials) are read once, here.
 */
export function createRedactor(env: Record<string, string | undefined>): Redactor {
  const envRule = envValuePattern(env);
  return (text) => {
    if (text.length === 0) return text;
    let out = envRule === undefined ? text : text.replace(envRule, marker("env"));
    out = redactBase64Pem(redactPem(out));
    // Ours first: where both know a format, secretlint's is the stricter one and may match
    // only a prefix of what ours masks whole.
    out = redactVendorSecrets(redactTokens(out));
    out = redactUrls(out);
    out = out.replace(
      SCHEME_CREDENTIAL,
      (match, scheme: string, gap: string, credential: string) =>
        looksLikeCredential(credential) ? `${scheme}${gap}${marker(scheme.toLowerCase())}` : match,
    );
    return redactPairs(redactCommands(out));
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

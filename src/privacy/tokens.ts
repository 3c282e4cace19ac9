/**
 * Credentials recognizable by their own shape: a vendor prefix and a documented length and
 * alphabet. These complement secretlint's recommended rules (`vendor-rules.ts`) where those
 * are missing a format (Stripe webhook secrets, PyPI, age, Google OAuth, Vault's short tokens...)
 * or are stricter than what people paste (an OpenAI key without its `T3BlbkFJ` marker).
 * Each pattern starts at a token boundary and has bounded quantifiers over character classes,
 * so one scan is linear in the text.
 */
import { marker } from "./mask.js";

interface TokenPattern {
  readonly kind: string;
  readonly pattern: RegExp;
  /**
   * For a pattern that does not start with a literal: a substring it contains. It then runs on
   * its own, and only on text that contains the hint (a substring search is far cheaper than
   * trying the pattern at every position).
   */
  readonly hint?: string;
}

/** Token boundary: not inside an identifier-like run, except right after a JSON escape. */
const START = String.raw`(?:(?<![A-Za-z0-9_\-])|(?<=\\[nrt]))`;
/** Not followed by more of the same alphabet (so a longer identifier is not cut). */
const END = String.raw`(?![A-Za-z0-9_\-])`;

// Order matters: JWTs first (they may follow any key), specific prefixes before general ones.
// The documented format of each is in test/data/secrets-corpus/positives.txt.
const TOKENS: readonly TokenPattern[] = [
  { kind: "jwt", pattern: /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/ },
  { kind: "anthropic", pattern: /sk-ant-[A-Za-z0-9_-]{20,}/ },
  { kind: "openai", pattern: /sk-[A-Za-z0-9_-]{20,}/ },
  { kind: "stripe", pattern: /(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{24,}/ },
  { kind: "github", pattern: /gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_[A-Za-z0-9_]{30,}/ },
  {
    kind: "gitlab",
    pattern:
      /gl(?:pat|ptt|dt|rt|cbt|soat|ffct|imt|oas|agent)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,}/,
  },
  // AWS key ids are the prefix and 16 base32 characters (A-Z, 2-7): `ASIAPACIFICSALES2024`
  // has a 0 and is a sales region, not a key.
  {
    kind: "aws",
    pattern: /(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z2-7]{16}/,
  },
  { kind: "google", pattern: /AIza[A-Za-z0-9_-]{30,}|GOCSPX-[A-Za-z0-9_-]{20,}/ },
  { kind: "google-oauth", pattern: /ya29\.[A-Za-z0-9_-]{20,}|1\/\/0[A-Za-z0-9_-]{30,}/ },
  { kind: "slack", pattern: /xox[abeoprs]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}/ },
  { kind: "npm", pattern: /npm_[A-Za-z0-9]{30,}/ },
  { kind: "pypi", pattern: /pypi-[A-Za-z0-9_-]{40,}/ },
  { kind: "rubygems", pattern: /rubygems_[a-f0-9]{48}/ },
  { kind: "huggingface", pattern: /hf_[A-Za-z0-9]{30,}/ },
  { kind: "vault", pattern: /hv[sbr]\.[A-Za-z0-9_-]{20,}/ },
  {
    kind: "terraform",
    pattern: /[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{40,}/,
    hint: ".atlasv1.",
  },
  { kind: "age", pattern: /AGE-SECRET-KEY-1[0-9A-Z]{58}/ },
  { kind: "sendgrid", pattern: /SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}/ },
  { kind: "mailgun", pattern: /key-[0-9a-z]{32}/ },
  { kind: "mailchimp", pattern: /[0-9a-f]{32}-us[0-9]{1,2}/, hint: "-us" },
  { kind: "twilio", pattern: /SK[0-9a-fA-F]{32}/ },
  { kind: "postman", pattern: /PMAK-[a-f0-9]{24}-[a-f0-9]{34}/ },
  { kind: "digitalocean", pattern: /do[opr]_v1_[a-f0-9]{64}/ },
  { kind: "doppler", pattern: /dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9.]{40,}/ },
  { kind: "atlassian", pattern: /ATATT3[A-Za-z0-9_=-]{100,}|ATCTT3[A-Za-z0-9_=-]{100,}/ },
  { kind: "telegram", pattern: /[0-9]{8,10}:AA[A-Za-z0-9_-]{33}/, hint: ":AA" },
  { kind: "sentry", pattern: /sntry[su]_[A-Za-z0-9+/=_]{40,}/ },
  { kind: "newrelic", pattern: /NR(?:AK|II|AA)-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}/ },
  { kind: "supabase", pattern: /sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{20,}/ },
  { kind: "linear", pattern: /lin_(?:api|oauth)_[A-Za-z0-9]{32,}/ },
  { kind: "grafana", pattern: /glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}/ },
  { kind: "databricks", pattern: /dapi[a-f0-9]{32}(?:-\d)?/ },
  { kind: "docker", pattern: /dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}/ },
  { kind: "figma", pattern: /figd_[A-Za-z0-9_-]{30,}/ },
  { kind: "tailscale", pattern: /tskey-[a-z]{2,20}-[A-Za-z0-9_]{8,}-[A-Za-z0-9_]{16,}/ },
  { kind: "1password", pattern: /ops_ey[A-Za-z0-9+/=]{100,}/ },
  { kind: "groq", pattern: /gsk_[A-Za-z0-9]{40,}/ },
  { kind: "replicate", pattern: /r8_[A-Za-z0-9]{30,}/ },
  { kind: "perplexity", pattern: /pplx-[A-Za-z0-9]{40,}/ },
  { kind: "xai", pattern: /xai-[A-Za-z0-9]{50,}/ },
  { kind: "square", pattern: /sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}/ },
  { kind: "pulumi", pattern: /pul-[a-f0-9]{40}/ },
  { kind: "buildkite", pattern: /bkua_[a-f0-9]{40}/ },
  { kind: "artifactory", pattern: /AKCp[A-Za-z0-9]{60,}/ },
  { kind: "shopify", pattern: /shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}/ },
  { kind: "vercel", pattern: /vc[pikar]_[A-Za-z0-9]{24,}/ },
  { kind: "heroku", pattern: /HRKU-[A-Za-z0-9_-]{40,}/ },
  { kind: "bitbucket", pattern: /ATBB[A-Za-z0-9_=.-]{28,}/ },
  { kind: "langsmith", pattern: /lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}/ },
  { kind: "mapbox", pattern: /sk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/ },
  { kind: "prefect", pattern: /pnu_[A-Za-z0-9]{36}/ },
  { kind: "sonarqube", pattern: /sq[upa]_[a-f0-9]{40}/ },
  { kind: "readme", pattern: /rdme_[a-z0-9]{70}/ },
  { kind: "brevo", pattern: /xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}/ },
  { kind: "shippo", pattern: /shippo_(?:live|test)_[a-f0-9]{40}/ },
  { kind: "typeform", pattern: /tfp_[A-Za-z0-9_.=-]{40,64}/ },
  { kind: "dynatrace", pattern: /dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}/ },
  { kind: "easypost", pattern: /EZ[AT]K[A-Za-z0-9]{54}/ },
  { kind: "flutterwave", pattern: /FLW(?:SECK|PUBK)_TEST-[a-h0-9]{32}-X|FLWSECK-[a-h0-9]{32}-X/ },
  { kind: "duffel", pattern: /duffel_(?:test|live)_[A-Za-z0-9_=-]{43}/ },
  { kind: "planetscale", pattern: /pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64}/ },
  { kind: "dropbox", pattern: /sl\.[A-Za-z0-9_=-]{130,}/ },
  { kind: "alibaba", pattern: /LTAI[A-Za-z0-9]{12,20}/ },
  { kind: "contentful", pattern: /CFPAT-[A-Za-z0-9_-]{43}/ },
  { kind: "clojars", pattern: /CLOJARS_[a-z0-9]{60}/ },
  { kind: "adobe", pattern: /p8e-[A-Za-z0-9]{32}/ },
  { kind: "frameio", pattern: /fio-u-[A-Za-z0-9_=-]{64}/ },
  { kind: "scalingo", pattern: /tk-us-[A-Za-z0-9_-]{48}/ },
  { kind: "openshift", pattern: /sha256~[A-Za-z0-9_-]{43}/ },
  { kind: "airtable", pattern: /pat[A-Za-z0-9]{14}\.[a-f0-9]{64}/ },
  { kind: "pinecone", pattern: /pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{40,80}/ },
  // Fly.io macaroons (`FlyV1 fm2_…,fm2_…`), each masked.
  { kind: "fly", pattern: /fm[12][ar]?_[A-Za-z0-9+/=_-]{20,}/ },
  // Discord bot tokens: the bot's id in base64, a timestamp, an HMAC.
  { kind: "discord", pattern: /[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}/ },
  { kind: "firebase", pattern: /AAAA[A-Za-z0-9_-]{7}:[A-Za-z0-9_-]{100,}/, hint: "AAAA" },
  { kind: "twitter", pattern: /A{20,24}[A-Za-z0-9%]{60,}/, hint: "AAAAAAAAAAAAAAAAAAAA" },
  { kind: "facebook", pattern: /EAA[A-Za-z0-9]{90,}/ },
  // Microsoft Entra client secrets: three characters, a digit, `Q~`, then 31-34 more.
  { kind: "azure", pattern: /[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}/, hint: "Q~" },
  // Password hashes (bcrypt, sha-crypt, argon2) as htpasswd and shadow files hold them.
  {
    kind: "password-hash",
    pattern: /\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$[^\s"']{20,}/,
  },
];

/** The literal-prefixed patterns as one alternation: one scan of the text instead of fifty. */
const COMBINED = new RegExp(
  `${START}(?:${TOKENS.filter((t) => t.hint === undefined)
    .map(({ pattern }) => `(?:${pattern.source})`)
    .join("|")})${END}`,
  "g",
);
const HINTED = TOKENS.filter((t) => t.hint !== undefined).map(({ kind, pattern, hint }) => ({
  kind,
  hint: hint ?? "",
  pattern: new RegExp(`${START}(?:${pattern.source})${END}`, "g"),
}));
const ANCHORED = TOKENS.map(({ kind, pattern }) => ({
  kind,
  pattern: new RegExp(`^(?:${pattern.source})$`),
}));

function kindOf(token: string): string {
  return ANCHORED.find(({ pattern }) => pattern.test(token))?.kind ?? "token";
}

export function redactTokens(text: string): string {
  let out = text.replace(COMBINED, (token) => marker(kindOf(token)));
  for (const { kind, hint, pattern } of HINTED)
    if (out.includes(hint)) out = out.replace(pattern, marker(kind));
  return out;
}

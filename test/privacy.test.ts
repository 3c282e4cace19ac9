import { describe, expect, test } from "bun:test";
import type { CaptureConfig } from "../src/config/types.js";
import { type ContentKind, createPrivacy, serialize } from "../src/privacy/privacy.js";
import { createRedactor, isSecretName } from "../src/privacy/redact.js";
import { truncate } from "../src/privacy/truncate.js";

// Canaries are generated from a seeded PRNG, so no real-looking key is pasted in this file and
// every run sees the same values.
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

const random = prng(20240611);
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
const ALNUM = `${UPPER}${UPPER.toLowerCase()}${DIGITS}`;
const B64URL = `${ALNUM}-_`;
const B64 = `${ALNUM}+/`;
const HEX = "0123456789abcdef";
const BASE32 = `${UPPER}234567`;

function pick(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** Random, but guaranteed to look random (a digit and both cases), like real credentials. */
const secretish = (length: number): string => `${pick(ALNUM, length - 3)}a7Q`;

const base64url = (text: string): string => Buffer.from(text).toString("base64url");

function pem(label: string): string {
  const lines = Array.from({ length: 5 }, () => pick(B64, 64));
  return [
    `-----BEGIN ${label}-----`,
    ...lines,
    `${pick(B64, 20)}==`,
    `-----END ${label}-----`,
  ].join("\n");
}

function jwt(): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub: pick(DIGITS, 10), iat: 1_700_000_000 }));
  return `${header}.${payload}.${pick(B64URL, 43)}`;
}

interface Canary {
  readonly name: string;
  /** The text as a tool or user would produce it. */
  readonly text: string;
  /** What must not survive. */
  readonly secret: string;
  /** What must survive (the key name of a pair, the scheme of a header). */
  readonly keep?: string;
}

const token = (name: string, secret: string): Canary => ({ name, text: secret, secret });

const TOKEN_CANARIES: readonly Canary[] = [
  token("OpenAI key", `sk-${secretish(48)}`),
  token("OpenAI project key", `sk-proj-${pick(B64URL, 60)}a7Q`),
  token("Anthropic key", `sk-ant-api03-${pick(B64URL, 90)}AA`),
  ...["ghp", "gho", "ghu", "ghs", "ghr"].map((p) =>
    token(`GitHub ${p}_ token`, `${p}_${secretish(36)}`),
  ),
  token("GitHub fine-grained PAT", `github_pat_${secretish(22)}_${secretish(59)}`),
  token("GitLab PAT", `glpat-${pick(B64URL, 17)}a7Q`),
  // AWS key ids are base32 after the prefix (A-Z, 2-7; gitleaks' aws-access-token rule).
  token("AWS access key id", `AKIA${pick(BASE32, 16)}`),
  token("AWS temporary key id", `ASIA${pick(BASE32, 16)}`),
  token("Google API key", `AIza${pick(B64URL, 32)}a7Q`),
  ...["a", "b", "p", "r", "s"].map((c) =>
    token(
      `Slack xox${c}- token`,
      `xox${c}-${pick(DIGITS, 12)}-${pick(DIGITS, 12)}-${secretish(24)}`,
    ),
  ),
  token("Stripe live secret key", `sk_live_${secretish(24)}`),
  token("Stripe restricted key", `rk_live_${secretish(24)}`),
  token("Stripe test key", `sk_test_${secretish(24)}`),
  token("npm token", `npm_${secretish(36)}`),
  token("Hugging Face token", `hf_${secretish(34)}`),
  token("JWT", jwt()),
  ...[
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
  ].map((label) => token(`PEM ${label}`, pem(label))),
];

const bearer = secretish(32);
const basic = Buffer.from(`deploy:${secretish(16)}`).toString("base64");
const urlPassword = `${secretish(14)}@x`;

const HEADER_CANARIES: readonly Canary[] = [
  {
    name: "Authorization: Bearer",
    text: `Authorization: Bearer ${bearer}`,
    secret: bearer,
    keep: "Authorization: Bearer",
  },
  { name: "lowercase bearer", text: `bearer ${bearer}`, secret: bearer, keep: "bearer" },
  {
    name: "Authorization: Basic",
    text: `Authorization: Basic ${basic}`,
    secret: basic,
    keep: "Authorization: Basic",
  },
  {
    name: "curl header",
    text: `curl -H "authorization: Bearer ${bearer}" https://api.example.com`,
    secret: bearer,
  },
  {
    name: "database URL password",
    text: `postgres://admin:${urlPassword}@db.internal:5432/app`,
    secret: urlPassword,
    keep: "postgres://admin:",
  },
  {
    name: "https URL password",
    text: `https://deploy:${urlPassword}@git.example.com/org/repo.git`,
    secret: urlPassword,
    keep: "@git.example.com/org/repo.git",
  },
];

const SECRET_KEYS = [
  "API_KEY",
  "OPENAI_API_KEY",
  "DB_PASSWORD",
  "github_token",
  "clientSecret",
  "x-api-key",
  "passwd",
  "access_key",
  "aws_secret_access_key",
  "privateKey",
  "session_key",
  "Authorization",
  "credentials",
  "spring.datasource.password",
  "SECRET_KEY",
] as const;

const PAIR_FORMS: readonly ((key: string, value: string) => string)[] = [
  (k, v) => `${k}=${v}`,
  (k, v) => `export ${k}="${v}"`,
  (k, v) => `${k}: ${v}`,
  (k, v) => `"${k}": "${v}"`,
  (k, v) => `${k} = '${v}'`,
  (k, v) => `https://api.example.com/v1?${k}=${v}&page=2`,
];

const PAIR_CANARIES: readonly Canary[] = SECRET_KEYS.flatMap((key) =>
  PAIR_FORMS.map((form, i) => {
    const value = secretish(20);
    return { name: `${key} pair, form ${i}`, text: form(key, value), secret: value, keep: key };
  }),
);

const GENERIC_CANARIES: readonly Canary[] = [
  ...(() => {
    const hex = pick(HEX, 64);
    return [
      {
        name: "long hex after SECRET_KEY",
        text: `SECRET_KEY=${hex}`,
        secret: hex,
        keep: "SECRET_KEY",
      },
    ];
  })(),
  ...(() => {
    const b64 = `${pick(B64, 40)}==`;
    return [
      { name: "base64 after a token key", text: `"token": "${b64}"`, secret: b64, keep: '"token"' },
    ];
  })(),
  ...(() => {
    const yaml = `${secretish(12)}!`;
    return [
      {
        name: "YAML password",
        text: `database:\n  password: ${yaml}\n  host: db`,
        secret: yaml,
        keep: "host: db",
      },
    ];
  })(),
];

const ENV = {
  DEPLOY_TOKEN: secretish(24),
  MY_SERVICE_PASSWORD: `pa"ss\\word-${secretish(10)}`,
  OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${secretish(22)}`,
  SHORT_SECRET: "abc1234",
  PWD: "/work/main/project",
  HOME: "/home/dev",
};

const ENV_CANARIES: readonly Canary[] = [
  {
    name: "secret env value",
    text: `connecting with ${ENV.DEPLOY_TOKEN} now`,
    secret: ENV.DEPLOY_TOKEN,
  },
  {
    name: "env value with quotes",
    text: `pw is ${ENV.MY_SERVICE_PASSWORD}.`,
    secret: ENV.MY_SERVICE_PASSWORD,
  },
  {
    name: "OTLP headers env value",
    text: `sent ${ENV.OTEL_EXPORTER_OTLP_HEADERS} to the collector`,
    secret: ENV.OTEL_EXPORTER_OTLP_HEADERS,
  },
];

const CANARIES = [
  ...TOKEN_CANARIES,
  ...HEADER_CANARIES,
  ...PAIR_CANARIES,
  ...GENERIC_CANARIES,
  ...ENV_CANARIES,
];

/** How a secret reaches the redactor: raw, in a sentence, in serialized JSON (once or twice). */
const CONTEXTS: readonly {
  readonly name: string;
  readonly wrap: (s: string) => string;
  readonly escape: (s: string) => string;
}[] = [
  { name: "alone", wrap: (s) => s, escape: (s) => s },
  { name: "in a sentence", wrap: (s) => `The value (${s}) was printed.`, escape: (s) => s },
  { name: "between lines", wrap: (s) => `line one\n${s}\nline three`, escape: (s) => s },
  { name: "in a code fence", wrap: (s) => `\`\`\`\n${s}\n\`\`\``, escape: (s) => s },
  {
    name: "in serialized JSON",
    wrap: (s) => JSON.stringify({ output: `first line\n${s}\nlast line` }),
    escape: (s) => JSON.stringify(s).slice(1, -1),
  },
  {
    name: "in JSON inside JSON",
    wrap: (s) => JSON.stringify({ output: JSON.stringify({ stdout: s }) }),
    escape: (s) => JSON.stringify(JSON.stringify(s).slice(1, -1)).slice(1, -1),
  },
];

const redact = createRedactor(ENV);

describe("redaction", () => {
  for (const canary of CANARIES) {
    for (const context of CONTEXTS) {
      test(`masks ${canary.name} ${context.name}`, () => {
        const out = redact(context.wrap(canary.text));
        expect(out).not.toContain(context.escape(canary.secret));
        // Not even a recognizable piece of it.
        expect(out).not.toContain(context.escape(canary.secret.slice(-12)));
        expect(out).toContain("[REDACTED");
        if (canary.keep !== undefined) expect(out).toContain(context.escape(canary.keep));
      });
    }
  }

  test("labels token kinds", () => {
    expect(redact(`key: sk-ant-api03-${secretish(40)}`)).toBe("key: [REDACTED:anthropic]");
    expect(redact(`use ${jwt()} here`)).toBe("use [REDACTED:jwt] here");
    expect(redact(`Authorization: Bearer ${bearer}`)).toBe(
      "Authorization: Bearer [REDACTED:bearer]",
    );
    expect(redact(`DB_PASSWORD=${secretish(12)}`)).toBe("DB_PASSWORD=[REDACTED]");
    expect(redact(`x ${ENV.DEPLOY_TOKEN}`)).toBe("x [REDACTED:env]");
  });

  test("masks a PEM key cut off before its END line, up to the first non-PEM character", () => {
    const cut = pem("RSA PRIVATE KEY").split("\n").slice(0, 3).join("\n");
    expect(redact(`${cut}\n{ "next": 1 }`)).toBe('[REDACTED:private-key]{ "next": 1 }');
  });

  test("reads the environment once, at creation", () => {
    const env: Record<string, string | undefined> = { LATE_TOKEN: undefined };
    const early = createRedactor(env);
    env.LATE_TOKEN = secretish(20);
    expect(early(`t=${env.LATE_TOKEN}`)).toContain(env.LATE_TOKEN);
  });

  // Decisions: standalone hex and base64 (git SHAs, hashes, UUIDs, image data) survive, because
  // without a key name or a known prefix they cannot be told apart from ordinary data.
  const sha = pick(HEX, 40);
  const SURVIVORS: readonly string[] = [
    "The tokenizer splits text into tokens before the model sees them.",
    `commit ${sha}\nAuthor: Jane Doe <jane@example.com>`,
    `git checkout ${sha.slice(0, 7)} && git log --oneline`,
    "request 0b9c3e7a-2f4d-4c1e-9a8b-7d6e5f4a3b2c finished",
    `data:image/png;base64,${pick(B64, 200)}`,
    '{"usage": {"input_tokens": 1200, "output_tokens": 300}, "max_tokens": 4096}',
    "token_count=12 token_limit: 8000 auth_url: https://auth.example.com/authorize",
    "export function login(username: string, password: string): Promise<Session> {",
    "const token = getToken();\nif (token === undefined) return;\nconst auth = useAuth();",
    "const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, token: token });",
    "password: z.string().min(8), secret: options?.secret, tokens: string[]",
    "def check(password: str) -> bool:\n    return verify(password)",
    "Bearer tokens are sent in the Authorization header; Basic authentication is off.",
    "author: Jane Doe\ntokenizer: cl100k_base",
    "https://example.com:8443/path?q=1 and git@github.com:org/repo.git and ssh://git@host/x",
    "pip install scikit-learn; see sk-learn docs; run task-management-system-config-values",
    "PWD=/work/main/project and HOME=/home/dev (cd /work/main/project)",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style reference, on purpose
    "apiKey: ${OPENAI_API_KEY}\ntoken: $GITHUB_TOKEN\npassword: # set in CI",
  ];
  for (const text of SURVIVORS) {
    test(`keeps ordinary text: ${text.slice(0, 50)}`, () => {
      expect(redact(text)).toBe(text);
    });
  }

  const NAMES: readonly (readonly [string, boolean])[] = [
    ["GITHUB_TOKEN", true],
    ["apiKey", true],
    ["x-auth-token", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["passphrase", true],
    ["Proxy-Authorization", true],
    ["tokenizer", false],
    ["max_tokens", false],
    ["token_count", false],
    ["token_type", false],
    ["author", false],
    ["PWD", false],
    ["OLDPWD", false],
    ["HOME", false],
  ];
  for (const [name, secret] of NAMES) {
    test(`${secret ? "treats" : "does not treat"} ${name} as a secret name`, () => {
      expect(isSecretName(name)).toBe(secret);
    });
  }
});

describe("performance", () => {
  const MB5 = 5 * 1024 * 1024;
  const fill = (unit: string): string => unit.repeat(Math.ceil(MB5 / unit.length)).slice(0, MB5);
  const realistic = fill(
    `const token = getToken();\nfetch(url, { headers: { Authorization: "Bearer ${bearer}" } });\n` +
      `DB_PASSWORD=${secretish(12)} # ${pick(HEX, 40)}\nThe tokenizer is fast. sk-${secretish(40)}\n`,
  );
  // 5 MB of prose without a secret-looking character run: the same work the redactor does on
  // any text, timed once (the better of two runs) to scale the bound to this machine's load.
  let plain: number | undefined;
  const plainMs = (): number => {
    if (plain !== undefined) return plain;
    const text = fill("The quick brown fox jumps over the lazy dog while we wait. ");
    const times = [0, 1].map(() => {
      const started = performance.now();
      redact(text);
      return performance.now() - started;
    });
    plain = Math.min(...times);
    return plain;
  };
  const INPUTS: readonly (readonly [string, string])[] = [
    ["realistic mixed text", realistic],
    ["one long identifier run", fill("a")],
    ["repeated sk- prefixes", fill("sk-")],
    ["repeated eyJ segments", fill("eyJ.")],
    ["unterminated PEM headers", fill("-----BEGIN PRIVATE KEY-----\n")],
    ["repeated secret keys", fill("password=")],
    ["repeated quoted keys", fill('"token": "')],
    ["repeated colons", fill("a:")],
    ["long keys without separators", fill(`${"k".repeat(200)}=`)],
    ["repeated URL schemes", fill("https://u:")],
    ["backslashes and quotes", fill('\\"')],
    ["repeated bearer", fill("bearer ")],
    ["chained references", fill("token=$")],
    ["member chains after secret keys", fill("token=a.b ")],
    ["unclosed Terraform variables", fill('variable "db_password" { default = "')],
    ["unclosed key/value attributes", fill('<add key="ApiKey" value="')],
    ["unclosed setter calls", fill('setPassword("')],
    ["unclosed builder calls", fill('.apiKey("abcdef123')],
    ["prose about passwords", fill("the password is ")],
    ["password-file-like lines", fill("db:5432:app:user:\n")],
    ["Twilio-like arguments", fill('"AC0123456789abcdef0123456789abcdef", ')],
    ["URLs with long user names", fill("https://abcdefghijklmnopqrstuvwxyz0123")],
    ["unclosed SQL passwords", fill("IDENTIFIED BY 'x PASSWORD '")],
    ["redis prompts", fill("127.0.0.1:6379> AUTH a b c ")],
    ["unclosed auth tuples", fill("auth=('user', '")],
    ["unclosed name-then-value calls", fill('("API_KEY", "abcdef1')],
    ["unclosed SecureString literals", fill("ConvertTo-SecureString '")],
    ["client logins without a password", fill("mongosh -u admin az login ")],
  ];
  for (const [name, input] of INPUTS) {
    test(`redacts 5 MB of ${name} in well under a second`, () => {
      const started = performance.now();
      redact(input);
      // Runaway backtracking takes many seconds to minutes on 5 MB. A busy machine stretches
      // every run alike, so the bound is also 4× the plain text's time in this same run.
      expect(performance.now() - started).toBeLessThan(Math.max(1000, 4 * plainMs()));
    });
  }

  // Regex engines can give up on huge matches and report "no match"; that must not happen here.
  test("masks a 5 MB private key body completely", () => {
    const body = fill(`${pick(B64, 64)}\n`);
    const key = `-----BEGIN PRIVATE KEY-----\n${body}-----END PRIVATE KEY-----`;
    expect(redact(`${key}\nafter`)).toBe("[REDACTED:private-key]\nafter");
  });

  test("masks a 5 MB quoted secret completely", () => {
    expect(redact(`{"password": "${fill("x")}"}`)).toBe('{"password": "[REDACTED]"}');
  });
});

describe("truncate", () => {
  test("returns text within the limit unchanged", () => {
    expect(truncate("hello", 5)).toBe("hello");
  });

  test("cuts and appends a marker counting the dropped characters", () => {
    expect(truncate("abcdefghij", 4)).toBe("abcd…[truncated 6 chars]");
  });

  test("never splits a surrogate pair", () => {
    const out = truncate("abcd😀efg", 5);
    expect(out).toBe("abcd…[truncated 5 chars]");
    expect(/\p{Cs}/u.test(out)).toBe(false); // no lone surrogate
  });

  test("treats a negative or NaN limit as zero", () => {
    expect(truncate("abc", -1)).toBe("…[truncated 3 chars]");
    expect(truncate("abc", Number.NaN)).toBe("…[truncated 3 chars]");
  });
});

const OFF: CaptureConfig = { prompts: false, toolDetails: false, content: false, maxLength: 100 };
const KINDS: readonly ContentKind[] = ["prompt", "response", "tool.input", "tool.output"];

describe("privacy gate", () => {
  test("exports no content and never calls the thunk when capture is off", () => {
    const privacy = createPrivacy(OFF, ENV);
    let calls = 0;
    for (const kind of KINDS) {
      expect(privacy.allows(kind)).toBe(false);
      expect(
        privacy.content(kind, () => {
          calls += 1;
          return "x";
        }),
      ).toBeUndefined();
    }
    expect(calls).toBe(0);
  });

  const MAPPING: readonly (readonly [keyof CaptureConfig, readonly ContentKind[]])[] = [
    ["prompts", ["prompt"]],
    ["toolDetails", ["tool.input"]],
    ["content", ["response", "tool.output"]],
  ];
  for (const [flag, kinds] of MAPPING) {
    test(`${flag} turns on exactly ${kinds.join(" and ")}`, () => {
      const privacy = createPrivacy({ ...OFF, [flag]: true }, {});
      for (const kind of KINDS) expect(privacy.allows(kind)).toBe(kinds.includes(kind));
    });
  }

  const ON: CaptureConfig = { prompts: true, toolDetails: true, content: true, maxLength: 40 };

  test("redacts before truncating, so a secret across the cut leaves no prefix", () => {
    const key = `sk-${secretish(48)}`;
    const out = createPrivacy(ON, {}).content("prompt", () => `${"x".repeat(30)} ${key} tail`);
    expect(out).toBe(`${"x".repeat(30)} [REDACTED…[truncated 13 chars]`);
  });

  test("serializes tool input objects as JSON and redacts inside them", () => {
    const privacy = createPrivacy({ ...ON, maxLength: 1000 }, {});
    const out = privacy.content("tool.input", () => ({
      command: "deploy",
      env: { API_KEY: "abc123def456" },
    }));
    expect(out).toBe('{"command":"deploy","env":{"API_KEY":"[REDACTED]"}}');
  });

  test("gives undefined when the thunk throws or yields nothing", () => {
    const privacy = createPrivacy(ON, {});
    expect(
      privacy.content("response", () => {
        throw new Error("boom");
      }),
    ).toBeUndefined();
    expect(privacy.content("response", () => undefined)).toBeUndefined();
  });

  test("scrubs error messages whatever the capture flags say", () => {
    const message = `401 from provider: invalid key sk-${secretish(40)} ${"!".repeat(200)}`;
    const out = createPrivacy(OFF, {}).scrub(message, 60);
    expect(out).toStartWith("401 from provider: invalid key [REDACTED:openai] !!!");
    expect(out).toEndWith("…[truncated 189 chars]"); // counted on the redacted text
    expect(createPrivacy(OFF, {}).scrub("short")).toBe("short");
  });
});

describe("serialize", () => {
  test("marks cycles instead of throwing", () => {
    const node: { name: string; self?: unknown; list: unknown[] } = { name: "root", list: [] };
    node.self = node;
    node.list.push(node, { again: node });
    expect(serialize(node)).toBe(
      '{"name":"root","list":["[Circular]",{"again":"[Circular]"}],"self":"[Circular]"}',
    );
  });

  test("serializes a shared (non-cyclic) reference twice", () => {
    const shared = { n: 1 };
    expect(serialize({ a: shared, b: shared })).toBe('{"a":{"n":1},"b":{"n":1}}');
  });

  test("handles BigInt, Map, Set and Error", () => {
    const value = {
      big: 2n ** 70n,
      map: new Map([["k", 1]]),
      set: new Set(["s"]),
      error: new TypeError("bad"),
    };
    expect(serialize(value)).toBe(
      '{"big":"1180591620717411303424","map":[["k",1]],"set":["s"],"error":{"name":"TypeError","message":"bad"}}',
    );
  });

  test("cuts nesting below the depth limit", () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 20; i += 1) deep = { child: deep };
    const out = serialize(deep) ?? "";
    expect(out).toContain('"child":"[Object]"');
    expect(out).not.toContain("leaf");
  });

  test("never throws on a hostile value", () => {
    const hostile = {
      get boom(): never {
        throw new Error("getter");
      },
    };
    expect(serialize(hostile)).toBe("[Unserializable]");
    expect(serialize("plain")).toBe("plain");
    expect(serialize(undefined)).toBeUndefined();
  });
});

import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { type Captured, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";

// Secrets of every kind the redactor promises to catch, built fresh for each run.
const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, n);
const upper = (n: number) =>
  alnum(n * 3)
    .replace(/[^A-Z0-9]/g, "")
    .padEnd(n, "Q")
    .slice(0, n);
/** AWS key ids are base32 after their prefix (A-Z, 2-7). */
const base32 = (n: number) =>
  Array.from(randomBytes(n), (byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[byte % 32]).join("");
const b64url = (text: string) => Buffer.from(text).toString("base64url");
const ENV_SECRET = `envsecret${alnum(24)}`;

const SECRETS: Record<string, string> = {
  bearer: `Bearer ${alnum(40)}`,
  anthropic: `sk-ant-api03-${alnum(48)}`,
  openai: `sk-proj-${alnum(48)}`,
  github: `ghp_${alnum(36)}`,
  githubPat: `github_pat_${alnum(22)}_${alnum(59)}`,
  gitlab: `glpat-${alnum(20)}`,
  aws: `AKIA${base32(16)}`,
  google: `AIza${alnum(35)}`,
  slack: `xoxb-${upper(11)}-${upper(12)}-${alnum(24)}`,
  stripe: `sk_live_${alnum(32)}`,
  npm: `npm_${alnum(36)}`,
  huggingface: `hf_${alnum(34)}`,
  jwt: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890"}')}.${alnum(43)}`,
  privateKey: `-----BEGIN RSA PRIVATE KEY-----\\n${alnum(64)}\\n${alnum(64)}\\n-----END RSA PRIVATE KEY-----`,
  password: `DB_PASSWORD=${alnum(20)}`,
  environment: ENV_SECRET,
};

/** The part of a secret that must never appear (a prefix like `sk-ant-` alone is harmless). */
const core = (secret: string) =>
  secret
    .replace(/^Bearer /, "")
    .replace(/^DB_PASSWORD=/, "")
    .replace(/-----(BEGIN|END) RSA PRIVATE KEY-----/g, "")
    .split("\\n")
    .filter((part) => part.length >= 16)
    .sort((a, b) => b.length - a.length)[0] ?? secret;

const planted = Object.values(SECRETS).join(" ");

function plant(records: readonly Captured[]): Captured[] {
  return records.map((record) => {
    const line = JSON.stringify(record)
      // prompt, tool argument, tool output, streamed and final reply
      .replaceAll("Please run it", `Please run it ${planted}`)
      .replaceAll('"command":"echo hi"', `"command":"echo ${planted}"`)
      .replaceAll('"hi\\n"', `"hi ${planted}\\n"`)
      .replaceAll("Tool fi", `Tool ${planted} fi`)
      .replaceAll("Tool finished.", `Tool ${planted} finished.`);
    return JSON.parse(line) as Captured;
  });
}

async function leaks(env: Record<string, string>): Promise<{ kinds: string[]; exported: string }> {
  const collected = new Collected();
  const records = plant(loadFixture("a_single"));
  const raw = JSON.stringify(records);
  // Every secret really is in the input several times over.
  for (const secret of Object.values(SECRETS)) expect(raw.includes(core(secret))).toBe(true);
  await replay(records, {
    env: { ...TEST_ENV, MY_SERVICE_TOKEN: ENV_SECRET, ...env },
    exporters: collected.overrides(),
  });
  const exported = JSON.stringify({
    spans: collected.spans.map((s) => ({
      attributes: s.attributes,
      events: s.events,
      status: s.status,
      name: s.name,
    })),
    logs: collected.logs.map((l) => ({ body: l.body, attributes: l.attributes })),
    metrics: collected.metrics,
  });
  expect(exported.length).toBeGreaterThan(1000);
  const kinds = Object.entries(SECRETS)
    .filter(([, secret]) => exported.includes(core(secret)))
    .map(([kind]) => kind);
  return { kinds, exported };
}

describe("secrets never leave the machine", () => {
  test("with capture off, none of them appears anywhere", async () => {
    const { kinds, exported } = await leaks({});
    expect(kinds).toEqual([]);
    expect(exported).not.toContain("Please run it");
  });

  test("with every capture switch on, content is exported but every secret is masked", async () => {
    const env = {
      OTEL_LOG_USER_PROMPTS: "1",
      OTEL_LOG_TOOL_DETAILS: "1",
      OPENCODE_OTEL_CAPTURE_CONTENT: "1",
      OPENCODE_OTEL_CONTENT_MAX_LENGTH: "100000",
    };
    const { kinds, exported } = await leaks(env);
    expect(kinds).toEqual([]);
    // The content itself did go out (so the masking, not the switch, kept the secrets in).
    for (const text of ["Please run it", "echo ", "Tool ", "REDACTED"])
      expect(exported).toContain(text);
  });
});

/**
 * Passwords on command lines and in `.netrc`/`.pgpass`, and passwords given by position: where
 * no `key=value` shape gives them away, the command (or the call, or the file's format) does.
 * `curl -u user:pass`, `mysql -pPASS`, `sshpass -p PASS`, `redis-cli -a PASS`, any
 * `--password=…`/`--token …` flag whose name holds a secret, netrc's
 * `machine … login … password …`, SQL's `IDENTIFIED BY '…'`, Twilio's `Client(sid, token)`.
 */
import { MASK } from "./mask.js";
import { isSecretName } from "./names.js";
import { looksGenerated } from "./pairs.js";

/** A command name's start: a word boundary, also right after a JSON escape (`\ncurl`). */
const CMD = String.raw`(?:(?<![\w-])|(?<=\\[nrt]))`;
/** An optional opening quote, also JSON-escaped (`\"user:pass\"`). */
const QUOTE = String.raw`(?:\\{0,3}["'])?`;
/** A secret runs to whitespace, a quote or a backslash (the start of an escaped quote). */
const SECRET = String.raw`([^\s"'\\]{1,256})`;

/** A value that is a reference or already masked, not a secret: `$PASS`, `${PASS}`, `%PASS%`. */
const NOT_A_VALUE = /^(?:[$%<-]|\[REDACTED)/;

interface CommandRule {
  /** A cheap substring that must occur for the rule to run at all. */
  readonly hint: string;
  /** The last capture group is the secret. */
  readonly pattern: RegExp;
  /** A further test of the secret, where the shape alone also fits ordinary text. */
  readonly accept?: (secret: string) => boolean;
}

const RULES: readonly CommandRule[] = [
  {
    // curl/wget `-u user:password`, `--user=user:password`, `-uuser:password` (curl manual).
    hint: "-u",
    pattern: new RegExp(
      `${CMD}(?:curl|wget|http|xh)\\b[^\\n|;&]{0,512}?[ \\t](?:-u|--user|--proxy-user|-U)(?:[ \\t]+|=)?${QUOTE}[^\\s:"'\\\\]{1,256}:${SECRET}`,
      "g",
    ),
  },
  {
    // MySQL/MariaDB clients take the password glued to `-p` (MySQL manual, "-pPASSWORD").
    hint: "-p",
    pattern: new RegExp(
      `${CMD}(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mariadb|mariadb-dump)\\b[^\\n|;&]{0,512}?[ \\t]-p${SECRET}`,
      "g",
    ),
  },
  {
    // `docker login -u me -p PASS` (also podman, helm registry and nerdctl).
    hint: "login",
    pattern: new RegExp(
      `${CMD}(?:docker|podman|nerdctl|helm registry)[ \\t]+login\\b[^\\n|;&]{0,512}?[ \\t]-p[ \\t]+${QUOTE}${SECRET}`,
      "g",
    ),
  },
  {
    // Clients that take `-p PASSWORD` after their own login words: Azure CLI and OpenShift
    // logins, Cloud Foundry, MongoDB's shell and tools (their manuals' `-p`).
    hint: "-p",
    pattern: new RegExp(
      `${CMD}(?:az[ \\t]+login|oc[ \\t]+login|cf[ \\t]+(?:login|auth)|mongosh|mongo|mongodump|mongorestore|mongoexport|mongoimport)\\b[^\\n|;&]{0,512}?[ \\t](?:-p|--password)[ \\t]+${QUOTE}${SECRET}`,
      "g",
    ),
  },
  {
    // `sqlcmd -S host -U sa -P PASSWORD` (SQL Server's tools take it as `-P`).
    hint: "-P",
    pattern: new RegExp(
      `${CMD}(?:sqlcmd|bcp)\\b[^\\n|;&]{0,512}?[ \\t]-P[ \\t]*${QUOTE}${SECRET}`,
      "g",
    ),
  },
  {
    // PowerShell: `ConvertTo-SecureString "PASSWORD" -AsPlainText`.
    hint: "ConvertTo-SecureString",
    pattern: /ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?(\\{0,3}["'])([^"'\n\\]{1,256})(?=\1)/g,
  },
  {
    // HTTP basic auth as a Python tuple: `auth=('user', 'PASSWORD')` (requests, httpx).
    hint: "auth",
    pattern:
      /\bauth[ \t]*=[ \t]*\([ \t]*(\\{0,3}["'])[^"'\n\\]{1,128}\1[ \t]*,[ \t]*(\\{0,3}["'])([^"'\n\\]{1,256})(?=\2)/g,
  },
  {
    // SQL: `IDENTIFIED BY 'PASSWORD'` (MySQL, Oracle), `[WITH] PASSWORD 'PASSWORD'` (PostgreSQL).
    hint: "'",
    pattern:
      /\b(?:IDENTIFIED[ \t]+BY|WITH[ \t]+(?:ENCRYPTED[ \t]+)?PASSWORD|PASSWORD)[ \t]+(\\{0,3}')([^'\n\\]{1,256})(?=\1)/gi,
  },
  {
    // Redis: `AUTH [username] PASSWORD` on a line of its own, after redis-cli's prompt or not.
    hint: "AUTH",
    pattern:
      /(?:^|(?<=\\n))(?:[\w.:-]{1,128}>[ \t]?)?AUTH[ \t]+(?:[^\s\\]{1,128}[ \t]+)?([^\s\\]{1,256})(?=$|\\[nr])/gm,
  },
  { hint: "sshpass", pattern: new RegExp(`${CMD}sshpass[ \\t]+-p[ \\t]*${QUOTE}${SECRET}`, "g") },
  {
    hint: "redis-cli",
    pattern: new RegExp(`${CMD}redis-cli\\b[^\\n|;&]{0,512}?[ \\t]-a[ \\t]+${QUOTE}${SECRET}`, "g"),
  },
  {
    // `wandb login <API key>` (Weights & Biases CLI): the key is 40 hex characters.
    hint: "wandb",
    pattern: new RegExp(
      `${CMD}wandb[ \\t]+login\\b[^\\n|;&]{0,256}?[ \\t]${QUOTE}([0-9a-f]{40})(?![0-9a-f])`,
      "g",
    ),
  },
  {
    // Twilio's clients take the account SID, then the auth token (32 hex): `Client(sid, token)`.
    hint: "AC",
    pattern: /(\\{0,3}["'])AC[0-9a-f]{32}\1[ \t]*,[ \t]*(\\{0,3}["'])([0-9a-f]{32})(?=\2)/g,
  },
  {
    // A PostgreSQL password file line (`~/.pgpass`): `host:port:database:user:password`.
    hint: ":",
    pattern:
      /(?:^|(?<=\\n))[A-Za-z0-9.*_-]{1,253}:(?:\d{1,5}|\*):[A-Za-z_*][^:\s\\]{0,127}:[^:\s\\]{1,128}:([^\s\\]{1,256})(?=$|\\[nr])/gm,
    // `worker-1:8080:ready:ok:running` has the shape too; a password looks generated.
    accept: looksGenerated,
  },
  {
    // .netrc (GNU inetutils): `machine host login user password secret`, one line or several.
    hint: "password",
    pattern:
      /\b(?:machine|login|default)[ \t]+[^\s]{1,256}(?:\s{1,64}login[ \t]+[^\s]{1,256})?\s{1,64}password[ \t]+([^\s]{1,256})/g,
  },
];

/**
 * What a help text puts after a flag (`--password string`, `--token TOKEN`, `--api-key
 * <key>`): the kind of value, not one.
 */
const METAVAR =
  /^(?:string|str|int|bool|value|text|file|path|secret|password|token|key|[A-Z][A-Z_]*)$/;

/** `--password=…`, `--api-key …`, `--token …`: a long flag whose name holds a secret. */
const FLAG = /(?<![\w-])--([A-Za-z][\w-]{1,40})(=|[ \t]+)(["']?)([^\s"']{1,512})/g;

export function redactCommands(text: string): string {
  let out = text;
  for (const { hint, pattern, accept } of RULES) {
    if (!out.includes(hint)) continue;
    out = out.replace(pattern, (match: string, ...groups: unknown[]) => {
      const captures = groups.slice(0, -2).filter((g): g is string => typeof g === "string");
      const secret = captures.at(-1) ?? "";
      if (secret === "" || NOT_A_VALUE.test(secret) || (accept && !accept(secret))) return match;
      return `${match.slice(0, match.length - secret.length)}${MASK}`;
    });
  }
  if (!out.includes("--")) return out;
  return out.replace(FLAG, (match, name: string, gap: string, quote: string, value: string) =>
    isSecretName(name) && !NOT_A_VALUE.test(value) && !(gap !== "=" && METAVAR.test(value))
      ? `--${name}${gap}${quote}${MASK}`
      : match,
  );
}

/**
 * Credentials inside URLs: the password of `scheme://user:password@host` (RFC 3986 userinfo),
 * and URLs whose path is the secret (Slack, Discord and Teams webhooks, Telegram bots).
 */
import { marker } from "./mask.js";

/**
 * `scheme://user:password@host`. The password may contain `@` and, as people write it unencoded,
 * `#`; it stops at the last `@` before a `/`, space or quote.
 */
const URL_CREDENTIAL =
  /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@"'<>]{0,256}:)([^\s/?"'<>]{1,256})@/gi;

/**
 * Webhook URLs carry their credential in the path (Slack incoming webhooks and workflow
 * triggers, Discord webhooks, Teams/Office 365 connectors): the host is kept, the path masked.
 */
const WEBHOOKS: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
  {
    kind: "slack-webhook",
    pattern: /(https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/)[\w/+-]{20,512}/g,
  },
  {
    kind: "discord-webhook",
    pattern:
      /(https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d{5,30}\/)[\w-]{20,256}/g,
  },
  {
    // Telegram's Bot API puts the bot token in the path: `/bot<id>:<secret>/method`.
    kind: "telegram",
    pattern: /(https:\/\/api\.telegram\.org\/(?:file\/)?bot)[0-9]{5,12}:[\w-]{30,64}/g,
  },
  {
    kind: "teams-webhook",
    pattern:
      /(https:\/\/[\w-]{1,63}\.webhook\.office\.com\/webhookb2\/|https:\/\/outlook\.office(?:365)?\.com\/webhook\/)[\w@/-]{20,512}/g,
  },
];

/**
 * `scheme://<token>@host`: a userinfo with no password that is itself a key (a Sentry DSN's
 * public key, `https://<token>@github.com`). Only long, generated-looking names: `git@`, `user@`
 * are names.
 */
const URL_TOKEN = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)([A-Za-z0-9_-]{24,256})@/gi;

export function redactUrls(text: string): string {
  let out = text.includes("://")
    ? text
        .replace(URL_CREDENTIAL, (_match, head: string) => `${head}${marker("password")}@`)
        .replace(URL_TOKEN, (match, head: string, user: string) =>
          /\d/.test(user) && /[A-Za-z]/.test(user) ? `${head}${marker("url-token")}@` : match,
        )
    : text;
  if (!/hooks\.slack\.com|webhook|api\.telegram\.org/.test(out)) return out;
  for (const { kind, pattern } of WEBHOOKS)
    out = out.replace(pattern, (_match, head: string) => `${head}${marker(kind)}`);
  return out;
}

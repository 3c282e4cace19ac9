import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { authorized } from "../serve/auth.js";
import { isLoopback } from "../serve/host.js";

/**
 * Who may read the viewer. The token is in the URL the command prints; the first request with
 * `?token=` gets it back as a cookie (HttpOnly, SameSite=Strict) and is redirected to the same
 * URL without it, so the token leaves the address bar and history. Scripts may send
 * `Authorization: Bearer <token>` instead. Anything else gets 401 and no data.
 *
 * On a loopback address the `Host` header must name loopback too: a web page cannot then reach
 * the viewer through a DNS name rebound to 127.0.0.1 (it would not have the token either, but
 * the check costs nothing).
 */
export interface ViewerAuth {
  readonly token: string;
  /** The cookie's name: cookies ignore ports, so each viewer (port) has its own. */
  readonly cookie: string;
  /** When set, `Host` must be one of these names (any port). */
  readonly hosts: ReadonlySet<string> | undefined;
}

export type Verdict =
  | { readonly kind: "ok" }
  | { readonly kind: "login"; readonly location: string }
  | { readonly kind: "denied"; readonly status: 401 | 403; readonly reason: string };

/** 144 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(18).toString("base64url");
}

export function viewerAuth(options: { token: string; host: string; port: number }): ViewerAuth {
  return {
    token: options.token,
    cookie: `opencode_otel_ui_${options.port}`,
    hosts: isLoopback(options.host)
      ? new Set(["localhost", "127.0.0.1", "[::1]", bare(options.host)])
      : undefined,
  };
}

const bare = (host: string) => (isIP(host) === 6 && !host.startsWith("[") ? `[${host}]` : host);

/** `Host` without its port. */
function hostName(header: string | undefined): string {
  const value = (header ?? "").trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  return value.split(":")[0] ?? "";
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const matches = (auth: ViewerAuth, given: string | undefined) =>
  given !== undefined && authorized(auth.token, `Bearer ${given}`);

export function checkRequest(auth: ViewerAuth, req: IncomingMessage, url: URL): Verdict {
  if (auth.hosts && !auth.hosts.has(hostName(req.headers.host)))
    return { kind: "denied", status: 403, reason: "this viewer answers on loopback names only" };
  const fromQuery = url.searchParams.get("token");
  if (fromQuery !== null) {
    if (!matches(auth, fromQuery)) return { kind: "denied", status: 401, reason: "wrong token" };
    const clean = new URL(url);
    clean.searchParams.delete("token");
    return { kind: "login", location: `${clean.pathname}${clean.search}${clean.hash}` };
  }
  if (matches(auth, cookieValue(req.headers.cookie, auth.cookie))) return { kind: "ok" };
  const header = req.headers.authorization;
  if (header && authorized(auth.token, header)) return { kind: "ok" };
  return { kind: "denied", status: 401, reason: "missing or wrong token" };
}

/** The cookie that stands for the token after the first visit (a session cookie). */
export function loginCookie(auth: ViewerAuth): string {
  return `${auth.cookie}=${auth.token}; HttpOnly; SameSite=Strict; Path=/`;
}

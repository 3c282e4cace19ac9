import { isIP } from "node:net";

/**
 * True for addresses only this machine can reach. The receiver writes whatever it is sent into
 * the user's store, so anything wider must be asked for explicitly with `--host`.
 */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "[::1]";
  return false;
}

/** `host:port` for gRPC's bind string (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A URL for humans and exporters (IPv6 in brackets). */
export function urlOf(host: string, port: number): string {
  return `http://${hostPort(host, port)}`;
}

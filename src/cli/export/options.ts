/** `export`'s command line, checked before anything is opened or sent. */
import type { OtlpProtocol } from "../../config/types.js";
import { stringMapType, urlType } from "../../config/value-types.js";
import { type ParsedArgs, stringValue } from "../args.js";
import { parseDate } from "../dates.js";
import { UsageError } from "../errors.js";
import { readSecret } from "../secret-input.js";
import { PROTOCOLS } from "./command.js";

export interface ExportOptions {
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly since: number | undefined;
  readonly batch: number;
  readonly restart: boolean;
}

const isProtocol = (value: string): value is OtlpProtocol => PROTOCOLS.some((p) => p === value);

/** Where the headers may come from; the variable and the file keep them out of `ps`. */
const HEADERS = { inline: "headers", file: "headers-file", env: "OPENCODE_OTEL_EXPORT_HEADERS" };

export function exportOptionsOf(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>> = {},
  now = new Date(),
): ExportOptions & { readonly warning?: string } {
  const endpoint = stringValue(args, "endpoint");
  if (!endpoint) throw new UsageError("--endpoint URL is required");
  const url = urlType.fromEnv(endpoint);
  if (!url.ok) throw new UsageError(`--endpoint: ${url.problem}`);
  const protocol = stringValue(args, "protocol") ?? "http/protobuf";
  if (!isProtocol(protocol))
    throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(", ")}`);
  const secret = readSecret(args, env, HEADERS);
  let headers: Readonly<Record<string, string>> = {};
  if (secret !== undefined) {
    // A file may hold one header per line; comments and blank lines are for its reader.
    const list = secret.value
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .join(",");
    // The parser never quotes a value in its problem: header values are usually secrets.
    const parsed = stringMapType("headers").fromEnv(list);
    if (!parsed.ok) throw new UsageError(`${secret.from}: ${parsed.problem}`);
    headers = parsed.value;
  }
  const sinceText = stringValue(args, "since");
  const batchText = stringValue(args, "batch") ?? "500";
  const batch = Number(batchText);
  if (!/^\d+$/.test(batchText) || batch < 1 || batch > 100_000) {
    throw new UsageError(`--batch must be a whole number from 1 to 100000 (got "${batchText}")`);
  }
  return {
    endpoint: url.value,
    protocol,
    headers,
    since: sinceText === undefined ? undefined : parseDate(sinceText, "since", now),
    batch,
    restart: args.values.restart === true,
    ...(secret?.warning ? { warning: secret.warning } : {}),
  };
}

import type { ErrorInfo } from "../facts.js";
import { count, num, obj, str } from "./read.js";

/**
 * Reads opencode's error union (`APIError`, `MessageAbortedError`, `ProviderAuthError`,
 * `UnknownError`, ...): `{ name, data: { message, statusCode?, isRetryable? } }`.
 * Response headers and bodies in `data` are deliberately dropped: they can carry credentials.
 */
export function readError(value: unknown): ErrorInfo | undefined {
  const error = obj(value);
  if (!error) return undefined;
  const name = str(error.name) ?? "UnknownError";
  const data = obj(error.data);
  const status = num(data?.statusCode);
  const retryable = data?.isRetryable;
  return {
    name,
    message: str(data?.message) ?? str(error.message) ?? name,
    statusCode: status === undefined ? undefined : count(status),
    retryable: typeof retryable === "boolean" ? retryable : undefined,
    aborted: name === "MessageAbortedError" || name === "AbortError",
  };
}

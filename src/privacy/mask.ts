/** What replaces a secret: `[REDACTED]` for a value after a key, `[REDACTED:kind]` otherwise. */
export const MASK = "[REDACTED]";

export const marker = (kind: string): string => `[REDACTED:${kind}]`;

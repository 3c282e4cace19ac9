/**
 * The value types of the options table. Each knows how to read its value from an environment
 * variable (always a string) and from a plugin option (any JSON), and how it reads in the docs.
 */
import { splitCommandLine } from "./argv.js";
import { firstListEntry, parseBoolean, parseKeyValueList, parseWholeNumber } from "./env.js";
import { fail, ok, type Parsed } from "./parsed.js";
import { parseTraceparent, parseTracestate } from "./trace-context.js";

/** How one kind of option value is parsed and documented. */
export interface ValueType<T> {
  /** How the type reads in the options table (Markdown). */
  readonly doc: string;
  /** Values may hold credentials: warnings must never show them. */
  readonly secret: boolean;
  /** Parses a trimmed, non-empty environment variable value. */
  fromEnv(raw: string): Parsed<T>;
  /** Parses a plugin option value (anything but undefined and null). */
  fromOption(raw: unknown): Parsed<T>;
}

/** String key-value pairs: resource attributes, span attributes, headers. */
export type StringMap = Readonly<Record<string, string>>;

/** `1/true/yes/on` or `0/false/no/off`; options may also be JSON booleans. */
export const booleanType: ValueType<boolean> = {
  doc: "boolean",
  secret: false,
  fromEnv: (raw) => {
    const value = parseBoolean(raw);
    return value === undefined ? fail("expected true/false, 1/0, yes/no or on/off") : ok(value);
  },
  fromOption: (raw) => {
    if (typeof raw === "boolean") return ok(raw);
    if (typeof raw === "string") return booleanType.fromEnv(raw);
    return fail("expected true or false");
  },
};

/** Longest delay `setTimeout` honours; a longer one fires immediately, which would turn an interval into a busy loop. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole number from 1 up; durations (`ms`) stop at the largest timer delay. */
export function integerType(unit: "ms" | "count"): ValueType<number> {
  const max = unit === "ms" ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER;
  const expected =
    unit === "ms"
      ? `expected whole milliseconds from 1 to ${max}`
      : "expected a whole number from 1 up";
  const check = (value: number | undefined): Parsed<number> =>
    value !== undefined && Number.isSafeInteger(value) && value >= 1 && value <= max
      ? ok(value)
      : fail(expected);
  return {
    doc: unit === "ms" ? "integer (ms)" : "integer",
    secret: false,
    fromEnv: (raw) => check(parseWholeNumber(raw)),
    fromOption: (raw) => {
      if (typeof raw === "number") return check(raw);
      if (typeof raw === "string") return check(parseWholeNumber(raw));
      return fail(expected);
    },
  };
}

/** Free text, optionally required to be non-empty and to match a pattern. */
export function stringType(rule: {
  readonly allowEmpty: boolean;
  readonly pattern?: { readonly regex: RegExp; readonly expected: string };
}): ValueType<string> {
  const check = (value: string): Parsed<string> => {
    if (value === "") return rule.allowEmpty ? ok(value) : fail("expected a non-empty string");
    if (rule.pattern !== undefined && !rule.pattern.regex.test(value))
      return fail(rule.pattern.expected);
    return ok(value);
  };
  return {
    doc: "string",
    secret: false,
    fromEnv: check,
    fromOption: (raw) => (typeof raw === "string" ? check(raw.trim()) : fail("expected a string")),
  };
}

/**
 * One of a fixed set of words, matched case-insensitively. `aliases` are accepted silently;
 * `firstOfList` reads only the first entry of a comma list, as the OTel spec's `OTEL_*_EXPORTER`.
 */
export function enumType<T extends string>(rule: {
  readonly values: readonly T[];
  readonly aliases?: Readonly<Record<string, T>>;
  readonly firstOfList?: boolean;
}): ValueType<T> {
  const expected = `expected ${rule.values.join(", ")}`;
  const lookup = (word: string): Parsed<T> => {
    const key = word.trim().toLowerCase();
    const value = rule.values.find((candidate) => candidate === key) ?? rule.aliases?.[key];
    return value === undefined ? fail(expected) : ok(value);
  };
  return {
    doc: rule.values.map((value) => `\`${value}\``).join(" \\| "),
    secret: false,
    fromEnv: (raw) => lookup(rule.firstOfList === true ? firstListEntry(raw) : raw),
    fromOption: (raw) => (typeof raw === "string" ? lookup(raw) : fail(expected)),
  };
}

/**
 * An absolute `http:` or `https:` URL. Bare `host:port` is rejected rather than guessed: the OTel
 * gRPC exporter would silently turn it into `https://`, which fails against a plain-text collector.
 */
export const urlType: ValueType<string> = {
  doc: "URL",
  secret: false,
  fromEnv: (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail("expected an absolute http:// or https:// URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      return fail("expected an http:// or https:// URL");
    return ok(raw);
  },
  fromOption: (raw) =>
    typeof raw === "string" ? urlType.fromEnv(raw.trim()) : fail("expected a URL string"),
};

/** RFC 9110 token: the characters allowed in a header name. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * `k=v,k2=v2` in the environment, an object in the options. Any bad entry rejects the whole value:
 * for headers, a half-applied set of auth headers fails in confusing ways. `headers` validates
 * names and values for HTTP and lower-cases names, so `Authorization` from one source and
 * `authorization` from another merge into one header (gRPC metadata keys are lower case anyway).
 */
export function stringMapType(kind: "attributes" | "headers"): ValueType<StringMap> {
  const headers = kind === "headers";
  const checkEntry = (key: string, value: string, position: string): string | undefined => {
    if (key === "") return `${position} has an empty key`;
    if (!headers) return undefined;
    if (!HEADER_NAME.test(key)) return `${position} is not a valid header name`;
    if (/[\r\n\0]/.test(value)) return `${position} has a line break or NUL in its value`;
    return undefined;
  };
  const build = (entries: Iterable<readonly [string, string]>): Parsed<StringMap> => {
    const map = new Map<string, string>();
    for (const [key, value] of entries) map.set(headers ? key.toLowerCase() : key, value);
    // fromEntries defines own properties, so a key such as "__proto__" stays plain data.
    return ok(Object.fromEntries(map));
  };
  return {
    doc: "`k=v,…` list (object in options)",
    secret: headers,
    fromEnv: (raw) => {
      const parsed = parseKeyValueList(raw);
      if (!parsed.ok) return parsed;
      for (const [index, [key, value]] of parsed.value.entries()) {
        const problem = checkEntry(key, value, `entry ${index + 1}`);
        if (problem !== undefined) return fail(problem);
      }
      return build(parsed.value);
    },
    fromOption: (raw) => {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        return fail("expected an object of strings");
      const entries: Array<readonly [string, string]> = [];
      for (const [key, value] of Object.entries(raw)) {
        // Key names are safe to show; values are not (for headers).
        const position = `key ${JSON.stringify(key)}`;
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
          return fail(`${position} is not a string`);
        }
        const text = String(value);
        const problem = checkEntry(key, text, position);
        if (problem !== undefined) return fail(problem);
        entries.push([key, text]);
      }
      return build(entries);
    },
  };
}

/**
 * A command run without a shell: a command line string (split on blanks, quotes honoured) or,
 * in options, an argv array. Secret because commands often carry tokens in their arguments.
 */
export const commandType: ValueType<readonly string[]> = {
  doc: "command line (string or string[] in options)",
  secret: true,
  fromEnv: (raw) => {
    const argv = splitCommandLine(raw);
    if (argv === undefined) return fail("it has an unterminated quote");
    if (argv.length === 0 || argv[0] === "") return fail("the command is empty");
    return ok(argv);
  },
  fromOption: (raw) => {
    if (typeof raw === "string") return commandType.fromEnv(raw);
    if (!Array.isArray(raw)) return fail("expected a command line string or an array of strings");
    const argv: string[] = [];
    for (const item of raw) {
      if (typeof item !== "string") return fail("expected an array of strings");
      argv.push(item);
    }
    if (argv.length === 0 || argv[0] === "") return fail("the command is empty");
    return ok(argv);
  },
};

/** A W3C `traceparent` (version 00). */
export const traceparentType: ValueType<string> = {
  doc: "W3C traceparent",
  secret: false,
  fromEnv: parseTraceparent,
  fromOption: (raw) =>
    typeof raw === "string" ? parseTraceparent(raw) : fail("expected a traceparent string"),
};

/** A W3C `tracestate`. */
export const tracestateType: ValueType<string> = {
  doc: "W3C tracestate",
  secret: false,
  fromEnv: parseTracestate,
  fromOption: (raw) =>
    typeof raw === "string" ? parseTracestate(raw) : fail("expected a tracestate string"),
};

/** A number from 0 to 1 (a sampling ratio). */
export const ratioType: ValueType<number> = {
  doc: "number 0–1",
  secret: false,
  fromEnv: (raw) => {
    const text = raw.trim();
    const value = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
    return value >= 0 && value <= 1 ? ok(value) : fail("expected a number from 0 to 1");
  },
  fromOption: (raw) => {
    if (typeof raw === "number")
      return raw >= 0 && raw <= 1 ? ok(raw) : fail("expected a number from 0 to 1");
    if (typeof raw === "string") return ratioType.fromEnv(raw);
    return fail("expected a number from 0 to 1");
  },
};

/** A JSON object, read as it is (its own parser checks it: `budgets`). */
export const objectType: ValueType<Readonly<Record<string, unknown>> | undefined> = {
  doc: "object",
  secret: false,
  fromEnv: () => fail("expected an object, which only plugin options can give"),
  fromOption: (raw) =>
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? ok(Object.fromEntries(Object.entries(raw)))
      : fail("expected an object"),
};

/**
 * Precedence, written once: plugin option > `OPENCODE_*` > `OTEL_*` > default. Within each tier
 * the table lists names highest first (per-signal `OTEL_*` variables before general ones).
 */
import { describeValue } from "./describe.js";
import { type OptionSpec, SIGNAL_PLACEHOLDER, type Signal } from "./options.js";
import type { Parsed } from "./parsed.js";
import { type OptionsObject, readOptionPath } from "./plugin-options.js";

/** A value and where it came from. */
export interface Resolved<T> {
  readonly value: T;
  /**
   * The table name of the winning source: the option key, or the variable name as written in the
   * table (with `{SIGNAL}` unexpanded). Undefined when the default was used.
   */
  readonly source: string | undefined;
  /** How warnings name the winning source (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `Plugin option "endpoint"`). */
  readonly label: string | undefined;
}

/** Reads options from one set of sources; each bad source is warned about once. */
export interface Resolver {
  /** The value of the highest-precedence source that is set; if it is invalid, `fallback` (default: the table's). */
  first<T>(
    spec: OptionSpec<T>,
    how?: { readonly signal?: Signal; readonly fallback?: T },
  ): Resolved<T>;
  /** Every valid value, lowest precedence first, for merging maps key by key. */
  layers<T>(spec: OptionSpec<T>, how?: { readonly signal?: Signal }): T[];
}

interface Input {
  readonly name: string;
  readonly label: string;
  readonly raw: unknown;
  readonly from: "env" | "option";
}

/** Creates a resolver over `env` and plugin `options` that reports problems through `warn`. */
export function createResolver(sources: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly options: OptionsObject;
  readonly warn: (message: string) => void;
}): Resolver {
  // A variable shared by all three signals (OPENCODE_OTLP_ENDPOINT) is read three times but must warn once.
  const warned = new Set<string>();

  const inputs = (spec: OptionSpec<unknown>, signal: Signal | undefined): Input[] => {
    const found: Input[] = [];
    if (spec.option !== undefined) {
      const raw = readOptionPath(sources.options, spec.option);
      // null in JSON reads as "not set", like a missing key.
      if (raw !== undefined && raw !== null) {
        found.push({
          name: spec.option,
          label: `Plugin option "${spec.option}"`,
          raw,
          from: "option",
        });
      }
    }
    for (const name of [...spec.env, ...spec.otelEnv]) {
      const variable = expand(name, signal);
      if (variable === undefined) continue;
      // The OTel spec treats an empty variable as unset.
      const raw = sources.env[variable]?.trim();
      if (raw !== undefined && raw !== "") found.push({ name, label: variable, raw, from: "env" });
    }
    return found;
  };

  const parse = <T>(spec: OptionSpec<T>, input: Input, fallback: string): Parsed<T> => {
    const parsed =
      input.from === "env" && typeof input.raw === "string"
        ? spec.type.fromEnv(input.raw)
        : spec.type.fromOption(input.raw);
    if (parsed.ok) return parsed;
    if (!warned.has(input.label)) {
      warned.add(input.label);
      const shown = spec.type.secret
        ? "has an invalid value (not shown: it may hold credentials)"
        : `has an invalid value ${describeValue(input.raw)}`;
      sources.warn(`${input.label} ${shown}: ${parsed.problem}; ${fallback}.`);
    }
    return parsed;
  };

  function first<T>(
    spec: OptionSpec<T>,
    how: { readonly signal?: Signal; readonly fallback?: T } = {},
  ): Resolved<T> {
    const fallback = how.fallback ?? spec.default;
    const [input] = inputs(spec, how.signal);
    if (input === undefined) return { value: fallback, source: undefined, label: undefined };
    // An invalid value falls back to the default, not to the next source: the user meant to
    // override that source, and the warning says exactly which value is in effect.
    const parsed = parse(spec, input, `using the default ${describeValue(fallback)}`);
    if (!parsed.ok) return { value: fallback, source: undefined, label: undefined };
    return { value: parsed.value, source: input.name, label: input.label };
  }

  function layers<T>(spec: OptionSpec<T>, how: { readonly signal?: Signal } = {}): T[] {
    const values: T[] = [];
    for (const input of inputs(spec, how.signal).reverse()) {
      const parsed = parse(spec, input, "ignoring it");
      if (parsed.ok) values.push(parsed.value);
    }
    return values;
  }

  return { first, layers };
}

// Per-signal names are skipped when no signal is asked for, so a general read never sees them.
function expand(name: string, signal: Signal | undefined): string | undefined {
  if (!name.includes(SIGNAL_PLACEHOLDER)) return name;
  return signal === undefined ? undefined : name.replace(SIGNAL_PLACEHOLDER, signal.toUpperCase());
}

/** True when the source is a per-signal variable (written with `{SIGNAL}` in the table). */
export function isPerSignal(source: string | undefined): boolean {
  return source?.includes(SIGNAL_PLACEHOLDER) ?? false;
}

/** The options table in Markdown, generated from `options.ts` for the README. */
import { OPTION_LIST, type OptionSpec, SIGNAL_PLACEHOLDER, SIGNALS } from "./options.js";

const HEADER = [
  "Option",
  "`OPENCODE_*` variable",
  "`OTEL_*` variable",
  "Type",
  "Default",
  "Description",
];

/** Renders every option as one Markdown table row, in table order. Deterministic, ends with a newline. */
export function renderOptionsTable(): string {
  const rows = [HEADER, HEADER.map(() => "---"), ...OPTION_LIST.map(renderRow)];
  return `${rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n")}\n`;
}

function renderRow(spec: OptionSpec<unknown>): string[] {
  return [
    spec.option === undefined ? "—" : code(spec.option),
    names(spec.env),
    names(spec.otelEnv),
    spec.type.doc,
    spec.defaultDoc ?? renderDefault(spec.default),
    escapeCell(spec.description),
  ];
}

// Per-signal names are spelled out in full so a reader searching for
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT finds it.
function names(list: readonly string[]): string {
  if (list.length === 0) return "—";
  const expanded = list.flatMap((name) =>
    name.includes(SIGNAL_PLACEHOLDER)
      ? SIGNALS.map((signal) => name.replace(SIGNAL_PLACEHOLDER, signal.toUpperCase()))
      : [name],
  );
  return expanded.map(code).join("<br>");
}

function renderDefault(value: unknown): string {
  if (value === undefined) return "unset";
  if (typeof value === "string") return code(value);
  if (typeof value === "object" && value !== null)
    return Object.keys(value).length === 0 ? "empty" : code(JSON.stringify(value));
  return code(String(value));
}

function code(text: string): string {
  return `\`${text}\``;
}

// A literal pipe would end the cell.
function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

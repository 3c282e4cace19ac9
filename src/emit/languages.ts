/**
 * The `language` of a file edit, in Claude Code's `code_edit_tool.decision` vocabulary
 * (`TypeScript`, `Python`, `Markdown`, ..., `unknown`), from the edited path's extension only:
 * the path itself never leaves the machine.
 */

/**
 * opencode's tools that write files. opencode asks for all of them under the permission named
 * `edit`, which is in the set too, so the same check reads a tool's name and a permission's.
 */
const EDIT_TOOLS = new Set(["edit", "write", "patch", "multiedit", "apply_patch"]);

export function isEditTool(name: string): boolean {
  return EDIT_TOOLS.has(name);
}

const LANGUAGES: Readonly<Record<string, string>> = {
  ts: "TypeScript",
  tsx: "TypeScript",
  mts: "TypeScript",
  cts: "TypeScript",
  js: "JavaScript",
  jsx: "JavaScript",
  mjs: "JavaScript",
  cjs: "JavaScript",
  py: "Python",
  md: "Markdown",
  mdx: "Markdown",
  json: "JSON",
  yaml: "YAML",
  yml: "YAML",
  go: "Go",
  rs: "Rust",
  java: "Java",
  kt: "Kotlin",
  rb: "Ruby",
  php: "PHP",
  c: "C",
  h: "C",
  cc: "C++",
  cpp: "C++",
  hpp: "C++",
  cs: "C#",
  swift: "Swift",
  sh: "Shell",
  bash: "Shell",
  sql: "SQL",
  html: "HTML",
  css: "CSS",
  scss: "SCSS",
  toml: "TOML",
  vue: "Vue",
  svelte: "Svelte",
};

/** The language of the file a tool input names (`filePath`, `file_path` or `path`). */
export function editLanguage(input: unknown): string {
  if (typeof input !== "object" || input === null) return "unknown";
  const path =
    ("filePath" in input && input.filePath) ||
    ("file_path" in input && input.file_path) ||
    ("path" in input && input.path);
  if (typeof path !== "string") return "unknown";
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return "unknown";
  return LANGUAGES[name.slice(dot + 1).toLowerCase()] ?? "unknown";
}

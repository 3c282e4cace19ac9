/** Headers from `OPENCODE_OTLP_HEADERS_HELPER`, fetched lazily and refreshed on demand. */
export interface HeaderSource {
  /** Current headers (waits for the first helper run). */
  current(): Promise<Record<string, string>>;
  /** Runs the helper again (after the collector refused our credentials). */
  refresh(): Promise<Record<string, string>>;
}

const HELPER_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs `OPENCODE_OTLP_HEADERS_HELPER` (argv, no shell) and reads headers from its stdout: a JSON
 * object of strings, or one `Name: value` / `name=value` per line. Its output and the header
 * values never reach any log; errors name only what went wrong.
 */
export function createHeaderSource(argv: readonly string[]): HeaderSource {
  let current: Promise<Record<string, string>> | undefined;
  const run = () => {
    current = runHelper(argv);
    return current;
  };
  return {
    current: () => current ?? run(),
    refresh: run,
  };
}

function runHelper(argv: readonly string[]): Promise<Record<string, string>> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error("empty helper command"));
  // Loaded here, not at import: most setups have no helper, and the module costs Bun CPU to load.
  const { execFile } = process.getBuiltinModule("node:child_process");
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: HELPER_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true },
      (error, stdout) => {
        if (error) {
          // execFile's message quotes the command line, not the output; keep only the cause.
          const code = "code" in error ? String(error.code) : "failed";
          reject(new Error(`headers helper ${file} exited with ${code}`));
          return;
        }
        const headers = parseHelperOutput(String(stdout));
        if (headers) resolve(headers);
        else reject(new Error(`headers helper ${file} printed no headers`));
      },
    );
  });
}

/** Parses helper output; undefined when nothing usable came out. */
export function parseHelperOutput(output: string): Record<string, string> | undefined {
  const text = output.trim();
  if (!text) return undefined;
  if (text.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(parsed))
        if (typeof value === "string" && name) headers[name] = value;
      return Object.keys(headers).length > 0 ? headers : undefined;
    } catch {
      return undefined;
    }
  }
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([^:=\s]+)\s*[:=]\s*(.*?)\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) headers[match[1]] = match[2];
  }
  return Object.keys(headers).length > 0 ? headers : undefined;
}

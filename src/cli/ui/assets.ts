import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { packageRoot } from "../demo/package-root.js";
import { CliError } from "../errors.js";

/**
 * The browser code, built by `scripts/build.mjs` into `dist/ui` (the published package carries
 * it: nothing is fetched from anywhere else). Read once at start; a few hundred kilobytes.
 */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

export interface Assets {
  readonly page: Asset;
  /** The page cut before `</body>`, where a session page's data goes. */
  readonly pageParts: readonly [string, string];
  /** By file name under `/assets/`. */
  readonly files: ReadonlyMap<string, Asset>;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export function uiDirectory(): string | undefined {
  const root = packageRoot();
  return root ? join(root, "dist", "ui") : undefined;
}

export function loadAssets(dir = uiDirectory()): Assets {
  if (!dir || !existsSync(join(dir, "index.html")))
    throw new CliError(
      `the viewer's browser code is missing (${dir ?? "dist/ui"}); run \`npm run build\` first`,
    );
  const files = new Map<string, Asset>();
  for (const name of readdirSync(join(dir, "assets"))) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { type, body: readFileSync(join(dir, "assets", name)) });
  }
  const body = readFileSync(join(dir, "index.html"));
  const text = body.toString("utf8");
  const cut = text.lastIndexOf("</body>");
  return {
    page: { type: TYPES[".html"] ?? "text/html", body },
    pageParts: cut < 0 ? [text, ""] : [text.slice(0, cut), text.slice(cut)],
    files,
  };
}

/**
 * The console page's files, served by every node from the package at `/ui` (no CDN, works
 * offline). The page's own modules live in `src/ui/` (copied next to the compiled code as
 * `dist/ui/` by `npm run build`), found relative to this module, so the same lookup works under
 * tsx and compiled. Its libraries — preact, htm, uPlot — are served as published from the
 * package's own dependencies (resolved like an import), at `/ui/vendor/<file>`. Only files in
 * this table are served: a request names a table key, never a path, so nothing outside it can
 * be reached. Files are read once, when first asked for.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One servable file: its content type and where it lives. */
interface Asset {
  readonly contentType: string;
  readonly file: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The vendored libraries: the name served under /ui/vendor/ → the module specifier that
 * resolves to it, or to a file in the same folder (htm exports its ESM build only to bundlers).
 */
const VENDOR: Readonly<Record<string, string>> = {
  "preact.mjs": "preact",
  "hooks.mjs": "preact/hooks",
  "htm.mjs": "htm",
  "uPlot.esm.js": "uplot/dist/uPlot.esm.js",
  "uPlot.min.css": "uplot/dist/uPlot.min.css",
};

/** Where the page's own files are: `src/ui` next to `src/api`, or `dist/ui` next to `dist/api`. */
export const UI_DIRECTORY = fileURLToPath(new URL("../../ui/", import.meta.url));

/** The files of the console page, by the path they are served at below `/ui/`. */
export class ConsoleAssets {
  private readonly table = new Map<string, Asset>();
  private readonly cache = new Map<string, Buffer>();

  constructor(directory: string = UI_DIRECTORY) {
    for (const name of readdirSync(directory)) {
      const contentType = CONTENT_TYPES[path.extname(name)];
      if (contentType !== undefined) {
        this.table.set(name, { contentType, file: path.join(directory, name) });
      }
    }
    const require = createRequire(import.meta.url);
    for (const [name, specifier] of Object.entries(VENDOR)) {
      const contentType = CONTENT_TYPES[path.extname(name)] ?? "application/octet-stream";
      const file = path.join(path.dirname(require.resolve(specifier)), name);
      this.table.set(`vendor/${name}`, { contentType, file });
    }
  }

  /** Every served path (below /ui/), e.g. for the size budget test. */
  get names(): readonly string[] {
    return [...this.table.keys()].sort();
  }

  /** The file served at `/ui/<name>`, or undefined when there is none. */
  get(name: string): { readonly contentType: string; readonly body: Buffer } | undefined {
    const asset = this.table.get(name);
    if (asset === undefined) return undefined;
    let body = this.cache.get(name);
    if (body === undefined) {
      body = readFileSync(asset.file);
      this.cache.set(name, body);
    }
    return { contentType: asset.contentType, body };
  }
}

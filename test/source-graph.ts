/**
 * The import graph of src/ as the tidy tests read it: every .ts file and the specifiers it
 * imports or re-exports (static, dynamic and type-only alike), found by one regular expression
 * rather than by a compiler, so a test stays fast and sees exactly what the source says.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The repository root. */
export const root = path.resolve(import.meta.dirname, "..");

/** The .ts files under `dir`, as repository-relative paths with forward slashes. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) ? [toRelative(full)] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The specifiers `file` (repository-relative) imports from, in source order. */
export function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? "");
}

/** `spec` as written in `file`, resolved to a repository-relative path (no extension change). */
export function resolveFrom(file: string, spec: string): string {
  return toRelative(path.resolve(path.dirname(path.join(root, file)), spec));
}

/**
 * The repository-relative .ts file a relative specifier of `file` names (`./x.js` → `x.ts`), or
 * undefined for a package, a built-in or a file that does not exist.
 */
export function importedFile(file: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const target = resolveFrom(file, spec).replace(/\.js$/, ".ts");
  return existsSync(path.join(root, target)) ? target : undefined;
}

function toRelative(full: string): string {
  return path.relative(root, full).split(path.sep).join("/");
}

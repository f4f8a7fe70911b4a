/**
 * A clear error when a native addon cannot load on the running Node.js: built for another
 * Node.js (`NODE_MODULE_VERSION` differs: better-sqlite3 12 builds against one Node's V8 ABI), or
 * not built at all. The message names the fix — rebuild it against this Node's headers — instead
 * of the loader's stack trace. classic-level and msgpackr-extract use Node-API, whose ABI does
 * not change across Node versions, so only a missing build can stop them.
 */
import { existsSync } from "node:fs";
import path from "node:path";

/** The failure texts of Node's addon loader and of the bindings / node-gyp-build helpers. */
const LOAD_FAILURE =
  /NODE_MODULE_VERSION|Could not locate the bindings file|No native build was found|invalid ELF header|wrong ELF class/;

/** A native addon that cannot load on this Node.js; `message` says how to rebuild it. */
export class NativeModuleError extends Error {
  override readonly name = "NativeModuleError";
  constructor(
    /** The npm package whose addon failed. */
    readonly packageName: string,
    message: string,
    options: { readonly cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `error` as a {@link NativeModuleError} when it is an addon load failure of `packageName`;
 * any other error unchanged.
 */
export function explainNativeLoadError(packageName: string, error: unknown): unknown {
  const text = error instanceof Error ? error.message : String(error);
  if (!LOAD_FAILURE.test(text)) return error;
  const firstLines = text.split("\n").slice(0, 4).join(" ").replace(/\s+/g, " ").trim();
  const message =
    `${packageName}'s native addon does not load on Node.js ${process.version} ` +
    `(NODE_MODULE_VERSION ${process.versions.modules}, ${process.platform}-${process.arch}): ` +
    `${firstLines}\nRebuild it for this Node.js: ${rebuildCommand(packageName)} ` +
    `(or run npm ci with this node first on PATH and npm_config_nodedir set the same way).`;
  return new NativeModuleError(packageName, message, { cause: error });
}

/**
 * The rebuild command for this Node.js. npm_config_nodedir must hold this Node's headers
 * (`include/node/node.h`): next to the binary for a system or tarball install, inside the npm
 * `node` package's platform package for `npm install node@24`.
 */
function rebuildCommand(packageName: string): string {
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  const candidates = [
    prefix,
    path.join(prefix, "node_modules", `node-${process.platform}-${process.arch}`),
  ];
  const nodedir = candidates.find((dir) => existsSync(path.join(dir, "include/node/node.h")));
  return `npm_config_nodedir=${nodedir ?? "<the directory holding this Node's include/node>"} npm rebuild ${packageName}`;
}

/** Calls `load` (which loads `packageName`'s addon); rethrows a load failure explained. */
export function withNativeModule<T>(packageName: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw explainNativeLoadError(packageName, error);
  }
}

/** {@link withNativeModule} for an asynchronous load, such as `import()`. */
export async function importNativeModule<T>(packageName: string, load: () => Promise<T>) {
  try {
    return await load();
  } catch (error) {
    throw explainNativeLoadError(packageName, error);
  }
}

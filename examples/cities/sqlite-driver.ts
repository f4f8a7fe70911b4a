/**
 * The demo's SQLite driver: better-sqlite3, in the major version that runs cleanly on this Node.js.
 *
 * - better-sqlite3 13 (the `better-sqlite3` dev dependency) is built on Node-API 10 and ships
 *   prebuilt binaries: it is the one used on every supported Node (22.14+, 24). Version 12 must
 *   not run there: its objects derive from Node's raw `ObjectWrap`, whose destructor on Node 24.19+
 *   asserts when a finalizer runs after the environment is gone, so the process aborts with exit
 *   code 134 at shutdown (better-sqlite3 moved to node-addon-api in 13 for that reason).
 * - better-sqlite3 12 (the optional `better-sqlite3-node20` alias, compiled at install) is used
 *   only on a Node without Node-API 10 — Node 20, end of life — so the README's two set-up
 *   commands still work on a machine that has nothing newer (README "Supported runtimes").
 *
 * Both majors have the same API, so the rest of the demo uses the types of the first.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { withNativeModule } from "../../src/storage/native-module.js";

/** The Node-API version better-sqlite3 13 needs. */
const NODE_API_VERSION_MIN = 10;

/** The npm package (or alias) that holds the driver for the running Node.js. */
export const SQLITE_PACKAGE =
  Number(process.versions.napi) >= NODE_API_VERSION_MIN
    ? "better-sqlite3"
    : "better-sqlite3-node20";

const require = createRequire(import.meta.url);

/**
 * The `Database` constructor of {@link SQLITE_PACKAGE}.
 * @throws NativeModuleError when its addon does not load on this Node.js (or, on Node 20, was
 *   not built because the optional dependency's compile failed).
 */
export function sqliteDatabaseClass(): typeof BetterSqlite3 {
  return withNativeModule(SQLITE_PACKAGE, () => require(SQLITE_PACKAGE) as typeof BetterSqlite3);
}

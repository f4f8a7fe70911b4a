// Proves an addon built for another Node.js (or not built) fails with a NativeModuleError that
// names the rebuild command for the running Node, and that every other error passes unchanged.
import { describe, expect, it } from "vitest";
import {
  NativeModuleError,
  explainNativeLoadError,
  importNativeModule,
  withNativeModule,
} from "../../src/storage/native-module.js";

/** What Node's addon loader throws for an addon built against Node 20 on Node 24. */
const MISMATCH = new Error(
  "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
    "was compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. " +
    "This version of Node.js requires\nNODE_MODULE_VERSION 137. Please try re-compiling or " +
    "re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
);

describe("native addon load failures", () => {
  it("explain an ABI mismatch with the rebuild command for this Node", () => {
    const explained = explainNativeLoadError("better-sqlite3", MISMATCH);
    expect(explained).toBeInstanceOf(NativeModuleError);
    const { message, cause, packageName } = explained as NativeModuleError;
    expect(packageName).toBe("better-sqlite3");
    expect(cause).toBe(MISMATCH);
    expect(message).toContain(`Node.js ${process.version}`);
    expect(message).toContain(`NODE_MODULE_VERSION ${process.versions.modules}`);
    expect(message).toContain("NODE_MODULE_VERSION 115");
    expect(message).toMatch(/npm_config_nodedir=\S+ npm rebuild better-sqlite3/);
  });

  it("explain a missing build (node-gyp-build)", () => {
    const missing = new Error("No native build was found for platform=linux arch=x64 abi=137");
    expect(withNativeModule("classic-level", () => 1)).toBe(1);
    expect(() =>
      withNativeModule("classic-level", () => {
        throw missing;
      }),
    ).toThrow(/classic-level's native addon does not load.*\n.*npm rebuild classic-level/);
  });

  it("pass any other error through unchanged, sync or async", async () => {
    const other = new Error("EACCES: permission denied");
    expect(explainNativeLoadError("better-sqlite3", other)).toBe(other);
    await expect(importNativeModule("x", () => Promise.reject(other))).rejects.toBe(other);
    await expect(importNativeModule("x", () => Promise.reject(MISMATCH))).rejects.toBeInstanceOf(
      NativeModuleError,
    );
  });
});

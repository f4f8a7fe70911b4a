// Proves how a processor module is found: a named `processor` export, a default export, an
// optional `planner`; a module without a processor, with a malformed planner, or that cannot
// be imported is a usage error naming the file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import { loadProcessorModule } from "../../src/cli/processor-module.js";

const dir = mkdtempSync(path.join(tmpdir(), "elk-processor-module-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function moduleFile(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe("loadProcessorModule", () => {
  it("takes the named processor and the planner", async () => {
    const file = moduleFile(
      "named.mjs",
      `export const processor = { process: async () => ({ processedCount: 7 }) };
       export const planner = { partitionSize: async () => 10, nextMaxId: async () => null };`,
    );
    const loaded = await loadProcessorModule(file);
    await expect(loaded.processor.process({} as never)).resolves.toEqual({ processedCount: 7 });
    await expect(loaded.planner?.partitionSize()).resolves.toBe(10);
  });

  it("takes a default export", async () => {
    const file = moduleFile(
      "default.mjs",
      "export default { process: async () => ({ processedCount: 1 }) };",
    );
    expect((await loadProcessorModule(file)).planner).toBeUndefined();
  });

  it("refuses a module without a processor, with a half planner, or that does not load", async () => {
    const none = moduleFile("none.mjs", "export const helper = 1;");
    await expect(loadProcessorModule(none)).rejects.toThrow(/must export `processor`/);
    const half = moduleFile(
      "half.mjs",
      `export const processor = { process: async () => ({ processedCount: 0 }) };
       export const planner = { partitionSize: async () => 10 };`,
    );
    await expect(loadProcessorModule(half)).rejects.toThrow(/planner/);
    await expect(loadProcessorModule(path.join(dir, "missing.mjs"))).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});

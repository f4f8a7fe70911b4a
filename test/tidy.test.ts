// Proves the tree keeps its shape: imports follow docs/ARCHITECTURE.md §2, the deterministic core
// stays pure, and docs/ERRORS.md documents exactly the codes of src/errors.ts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BOUNDARIES, PURE_GLOBALS, boundaryViolation, moduleOf } from "../tools/boundaries.js";
import { ERROR_CATALOGUE } from "../src/errors.js";
import { importsOf, resolveFrom, root, sourceFiles } from "./source-graph.js";

const files = sourceFiles(path.join(root, "src"));

describe("module boundaries (docs/ARCHITECTURE.md §2)", () => {
  it("every module under src/ is in the boundary table", () => {
    const modules = new Set(files.map((f) => moduleOf(f)));
    const unknown = [...modules].filter((m) => m === undefined || !(m in BOUNDARIES));
    expect(unknown).toEqual([]);
  });

  it("no import crosses a boundary", () => {
    const violations = files.flatMap((file) =>
      importsOf(file).flatMap((spec) => {
        const why = boundaryViolation(file, spec, (s: string) => resolveFrom(file, s));
        return why === undefined ? [] : [`${file}: ${why}`];
      }),
    );
    expect(violations).toEqual([]);
  });

  it("the rule rejects the arrows docs/ARCHITECTURE.md §2 forbids", () => {
    const resolveFromRaft = (s: string) => path.posix.join("src/raft", s);
    expect(boundaryViolation("src/raft/raw-node.ts", "node:fs", resolveFromRaft)).toMatch(
      /Node built-ins/,
    );
    expect(boundaryViolation("src/raft/raw-node.ts", "msgpackr", resolveFromRaft)).toMatch(
      /package/,
    );
    expect(
      boundaryViolation("src/raft/raw-node.ts", "../state-machine/apply.js", resolveFromRaft),
    ).toMatch(/may not import src\/state-machine/);
    const resolveFromApi = (s: string) => path.posix.join("src/api", s);
    expect(boundaryViolation("src/api/app.ts", "../raft/raw-node.js", resolveFromApi)).toMatch(
      /src\/raft/,
    );
    expect(
      boundaryViolation("src/raft/raw-node.ts", "../util/assert.js", resolveFromRaft),
    ).toBeUndefined();
  });
});

describe("purity of the deterministic core", () => {
  const pureModules = Object.entries(BOUNDARIES)
    .filter(([, rule]) => rule.pure === true)
    .map(([name]) => name);
  const banned = new RegExp(`\\b(${PURE_GLOBALS.join("|")})\\b\\s*[.(]|Math\\.random`);

  it("pure modules never read clocks, timers, randomness or the process", () => {
    const hits = files
      .filter((f) => pureModules.includes(moduleOf(f) ?? ""))
      .flatMap((file) =>
        readFileSync(path.join(root, file), "utf8")
          .split("\n")
          .map((line, i) => ({
            line: line.replace(/\/\/.*$|^\s*\*.*$/, ""),
            at: `${file}:${i + 1}`,
          }))
          .filter(({ line }) => banned.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(hits).toEqual([]);
  });
});

describe("error catalogue", () => {
  it("docs/ERRORS.md documents exactly the codes of src/errors.ts, with their HTTP status", () => {
    const doc = readFileSync(path.join(root, "docs/ERRORS.md"), "utf8");
    const rows = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    const catalogue = Object.entries(ERROR_CATALOGUE).map(([code, spec]) => [
      code,
      spec.httpStatus,
    ]);
    expect(rows.sort()).toEqual(catalogue.sort());
  });
});

// Proves the verifier can fail: on a database processed correctly it finds nothing wrong, and
// each kind of damage — a row never written, a row written twice, a wrong value, a geohash of
// another place, an audit row under a wrong token — is counted and named as a problem.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FencedWriter,
  createCityDatabase,
  openCityDatabase,
} from "../../../examples/cities/city-db.js";
import { problemsOf, verifyData } from "../../../examples/cities/verify.js";
import type { PlanVerdict } from "../../../examples/cities/verify.js";

let dir: string;
let file: string;

const cleanPlan: PlanVerdict = {
  partitions: 2,
  completed: 2,
  failed: 0,
  gaps: 0,
  gapsComplete: true,
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "elk-verify-"));
  file = path.join(dir, "cities.db");
  createCityDatabase(
    file,
    Array.from({ length: 10 }, (_, i) => ({
      cityId: i,
      name: `Ville ${i}`,
      altName: "",
      country: "FR",
      featureCode: "PPL",
      adminCode: "11",
      population: 1_000,
      loc: { coordinates: [2 + i / 10, 48 + i / 10] as [number, number] },
    })),
  );
  const db = openCityDatabase(file);
  const writer = new FencedWriter(db);
  writer.claim(1, 10, 4, "w1");
  writer.writeChunk(1, 10, 4, "w1");
  db.close();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tamper(sql: string): void {
  const db = openCityDatabase(file);
  db.exec(sql);
  db.close();
}

describe("verifyData", () => {
  it("finds nothing wrong in a database processed exactly once", () => {
    const data = verifyData(file);
    expect(data).toMatchObject({ rows: 10, unprocessed: 0, duplicates: 0, wrongValues: 0 });
    expect(problemsOf(data, cleanPlan, 10)).toEqual([]);
  });

  it.each([
    [
      "a row never written",
      "UPDATE cities SET processed_count = 0 WHERE id = 2; DELETE FROM writes WHERE id = 2",
      "never processed",
    ],
    [
      "a row written twice",
      "INSERT INTO writes VALUES (3, 4, 'w2'); UPDATE cities SET processed_count = 2 WHERE id = 3",
      "more than once",
    ],
    [
      "a wrong normalized name",
      "UPDATE cities SET name_norm = 'paris' WHERE id = 4",
      "do not recompute",
    ],
    [
      "a geohash of another place",
      "UPDATE cities SET geohash = 's000000' WHERE id = 5",
      "miss their city",
    ],
    ["an audit row under another token", "UPDATE writes SET token = 99 WHERE id = 6", "disagree"],
  ])("counts %s", (_what, sql, problem) => {
    tamper(sql);
    const problems = problemsOf(verifyData(file), cleanPlan, 10);
    expect(problems.join("; ")).toContain(problem);
  });

  it("names plan failures and gaps from the coordinator", () => {
    const problems = problemsOf(
      verifyData(file),
      { ...cleanPlan, failed: 1, completed: 1, gaps: 1, gapsComplete: false },
      10,
    );
    expect(problems).toEqual(["1 partitions failed", "1/2 completed", "the plan has 1 gaps"]);
  });
});

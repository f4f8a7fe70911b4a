// Proves the demo's fenced writes on a real SQLite file: a claim tells where earlier holders
// stopped; once a newer token claims a range, an older holder's claim and writes change nothing
// and are recorded as refused; every accepted write is audited once with its token.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "better-sqlite3";
import {
  FencedWriter,
  createCityDatabase,
  openCityDatabase,
} from "../../../examples/cities/city-db.js";
import type { SourceCity } from "../../../examples/cities/city-db.js";

let dir: string;
let db: Database;
let writer: FencedWriter;

function city(i: number): SourceCity {
  return {
    cityId: 1_000 + i,
    name: `Vila ${i}`,
    altName: "",
    country: "PT",
    featureCode: "PPL",
    adminCode: "01",
    population: 1_000 * i,
    loc: { coordinates: [-9 + i / 100, 38 + i / 100] },
  };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "elk-city-db-"));
  const file = path.join(dir, "cities.db");
  expect(
    createCityDatabase(
      file,
      Array.from({ length: 20 }, (_, i) => city(i + 1)),
    ),
  ).toBe(20);
  db = openCityDatabase(file);
  writer = new FencedWriter(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const rowsOf = (sql: string) => db.prepare(sql).all() as Record<string, unknown>[];

describe("FencedWriter", () => {
  it("claims, writes chunks with computed values, and audits each accepted row once", () => {
    expect(writer.claim(1, 10, 5, "w1")).toBe(0);
    expect(writer.writeChunk(1, 5, 5, "w1")).toEqual({ accepted: 5, refused: 0 });
    const row = rowsOf("SELECT * FROM cities WHERE id = 3")[0]!;
    expect(row).toMatchObject({
      fence: 5,
      processed_by: "w1",
      processed_token: 5,
      processed_count: 1,
      name_norm: "vila 3",
    });
    expect(row["geohash"]).toMatch(/^[0-9b-hjkmnp-z]{7}$/);
    expect(rowsOf("SELECT id, token, worker FROM writes ORDER BY id")).toHaveLength(5);
  });

  it("a newer holder resumes after what the older one wrote, and fences it out", () => {
    writer.claim(1, 10, 5, "w1");
    writer.writeChunk(1, 4, 5, "w1");
    expect(writer.claim(1, 10, 9, "w2")).toBe(4);
    expect(writer.writeChunk(5, 7, 5, "w1")).toEqual({ accepted: 0, refused: 3 });
    expect(writer.claim(1, 10, 5, "w1")).toBeNull();
    expect(writer.writeChunk(5, 10, 9, "w2")).toEqual({ accepted: 6, refused: 0 });
    expect(rowsOf("SELECT COUNT(*) AS n FROM writes")[0]).toEqual({ n: 10 });
    expect(rowsOf("SELECT stage, token, rows FROM refused ORDER BY rowid")).toEqual([
      { stage: "write", token: 5, rows: 3 },
      { stage: "claim", token: 5, rows: 10 },
    ]);
    expect(rowsOf("SELECT MAX(processed_count) AS n FROM cities")[0]).toEqual({ n: 1 });
  });

  it("without a claim by a newer token the same holder may write again (and the audit shows it)", () => {
    writer.claim(11, 20, 3, "w1");
    writer.writeChunk(11, 12, 3, "w1");
    writer.writeChunk(11, 12, 3, "w1");
    expect(rowsOf("SELECT id, COUNT(*) AS n FROM writes GROUP BY id")).toEqual([
      { id: 11, n: 2 },
      { id: 12, n: 2 },
    ]);
  });
});

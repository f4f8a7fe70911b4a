/**
 * The demo's verdict, reached INDEPENDENTLY of the coordinator for the data: SQL over the
 * database the workers wrote, values recomputed here, and each geohash decoded to its cell and
 * checked against the city's position (so a wrong encoder cannot vouch for itself). Only the
 * plan's gap list and failed count come from the coordinator's API.
 */
import type { CoordinatorClient } from "../../src/index.js";
import { GEOHASH_PRECISION, openCityDatabase } from "./city-db.js";
import { cellContains, geohashCell, geohashEncode } from "./geohash.js";
import { normalizeName } from "./normalize-name.js";

/** What the database says. */
export interface DataVerdict {
  readonly rows: number;
  /** Rows with no accepted write. */
  readonly unprocessed: number;
  /** Rows with more than one accepted write (by the row's counter or by the audit table). */
  readonly duplicates: number;
  /** Rows whose stored geohash or normalized name differs from a recomputation. */
  readonly wrongValues: number;
  /** Rows whose geohash cell does not contain the city. */
  readonly outsideCell: number;
  /** Audit rows whose token is not the row's recorded token. */
  readonly auditMismatches: number;
  /** Rows whose write the fence refused (stale holders) — expected after chaos, not an error. */
  readonly refusedRows: number;
  /** Distinct workers with accepted writes. */
  readonly writers: number;
}

/** What the coordinator says about the plan. */
export interface PlanVerdict {
  readonly partitions: number;
  readonly completed: number;
  readonly failed: number;
  /** Id ranges no completed partition covers. */
  readonly gaps: number;
  /** The API proves the plan closed with no gap. */
  readonly gapsComplete: boolean;
}

function count(db: ReturnType<typeof openCityDatabase>, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

/** Checks the database at `file`, which should hold `expectedRows` processed rows. */
export function verifyData(file: string): DataVerdict {
  const db = openCityDatabase(file, { readonly: true });
  try {
    const rows = count(db, "SELECT COUNT(*) AS n FROM cities");
    const auditDuplicates = count(
      db,
      "SELECT COUNT(*) AS n FROM (SELECT id FROM writes GROUP BY id HAVING COUNT(*) > 1)",
    );
    const counterDuplicates = count(
      db,
      "SELECT COUNT(*) AS n FROM cities WHERE processed_count > 1",
    );
    const unaudited = count(
      db,
      // NOT IN builds a temporary index of the subquery: linear, unlike a correlated NOT EXISTS.
      "SELECT COUNT(*) AS n FROM cities WHERE id NOT IN (SELECT id FROM writes)",
    );
    const values = checkValues(db);
    return {
      rows,
      unprocessed: Math.max(
        count(db, "SELECT COUNT(*) AS n FROM cities WHERE processed_count = 0"),
        unaudited,
      ),
      duplicates: Math.max(auditDuplicates, counterDuplicates),
      ...values,
      auditMismatches: count(
        db,
        `SELECT COUNT(*) AS n FROM writes w JOIN cities c ON c.id = w.id
          WHERE c.processed_token IS NOT w.token`,
      ),
      refusedRows: count(db, "SELECT COALESCE(SUM(rows), 0) AS n FROM refused"),
      writers: count(db, "SELECT COUNT(DISTINCT worker) AS n FROM writes"),
    };
  } finally {
    db.close();
  }
}

/** Recomputes every processed row's values and decodes its geohash. */
function checkValues(db: ReturnType<typeof openCityDatabase>): {
  wrongValues: number;
  outsideCell: number;
} {
  let wrongValues = 0;
  let outsideCell = 0;
  const rows = db
    .prepare("SELECT name, lat, lon, geohash, name_norm FROM cities WHERE processed_count > 0")
    .iterate() as IterableIterator<{
    name: string;
    lat: number;
    lon: number;
    geohash: string | null;
    name_norm: string | null;
  }>;
  for (const row of rows) {
    const expected = geohashEncode(row.lat, row.lon, GEOHASH_PRECISION);
    if (row.geohash !== expected || row.name_norm !== normalizeName(row.name)) wrongValues++;
    if (row.geohash === null || !cellContains(geohashCell(row.geohash), row.lat, row.lon)) {
      outsideCell++;
    }
  }
  return { wrongValues, outsideCell };
}

/** Asks the coordinator for the plan's counts and its gap list. */
export async function verifyPlan(client: CoordinatorClient, planId: string): Promise<PlanVerdict> {
  const plan = await client.getPlan(planId);
  let gaps = 0;
  let fromId: number | null = plan.minId;
  let gapsComplete = false;
  while (fromId !== null) {
    const page = await client.planGaps(planId, { fromId, limit: 1_000 });
    gaps += page.gaps.length;
    gapsComplete = page.complete;
    fromId = page.nextFromId;
  }
  return {
    partitions: plan.partitionCount,
    completed: plan.counts.completed,
    failed: plan.counts.failed,
    gaps,
    gapsComplete,
  };
}

/** What is wrong, in words; empty when everything holds. */
export function problemsOf(data: DataVerdict, plan: PlanVerdict, expectedRows: number): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(data.rows === expectedRows, `the table holds ${data.rows} rows, expected ${expectedRows}`);
  check(data.unprocessed === 0, `${data.unprocessed} rows were never processed`);
  check(data.duplicates === 0, `${data.duplicates} rows were processed more than once`);
  check(data.wrongValues === 0, `${data.wrongValues} rows hold values that do not recompute`);
  check(data.outsideCell === 0, `${data.outsideCell} geohash cells miss their city`);
  check(data.auditMismatches === 0, `${data.auditMismatches} audit rows disagree with their row`);
  check(plan.failed === 0, `${plan.failed} partitions failed`);
  check(plan.completed === plan.partitions, `${plan.completed}/${plan.partitions} completed`);
  check(plan.gaps === 0 && plan.gapsComplete, `the plan has ${plan.gaps} gaps`);
  return problems;
}

// Proves the committed dashboards are exactly what grafana/dashboards.ts generates, that each
// has the panels the README lists, that panels are laid out without overlap, and that every
// panel's PromQL parses (promtool checks it as a recording rule; the end-to-end test in
// test/prometheus evaluates it against a live cluster).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DASHBOARDS, dashboardText } from "../../grafana/dashboards.js";
import { requireBinary, run } from "../prometheus/binaries.js";

describe("grafana/dashboards", () => {
  it("the committed JSON equals the generator's output (npx tsx grafana/generate.ts)", () => {
    for (const spec of DASHBOARDS) {
      const committed = readFileSync(path.join("grafana", "dashboards", spec.file), "utf8");
      expect(committed, spec.file).toBe(dashboardText(spec));
    }
  });

  it("covers the cluster, plans and workers views", () => {
    const titles = Object.fromEntries(DASHBOARDS.map((d) => [d.uid, d.panels.map((p) => p.title)]));
    expect(titles["elk-cluster"]).toEqual(
      expect.arrayContaining([
        "Leader",
        "Term",
        "Nodes up",
        "Applied lag (entries)",
        "fsync latency p99",
      ]),
    );
    expect(titles["elk-cluster"]!.some((t) => t.startsWith("Leader changes"))).toBe(true);
    expect(titles["elk-plans"]).toEqual(
      expect.arrayContaining(["Plan progress", "Partitions by status", "Completion rate", "ETA"]),
    );
    expect(titles["elk-plans"]!.some((t) => t.startsWith("Gaps"))).toBe(true);
    expect(titles["elk-plans"]!.some((t) => t.startsWith("Failed partitions"))).toBe(true);
    expect(titles["elk-workers"]).toEqual(
      expect.arrayContaining([
        "Rate per worker",
        "Errors",
        "Window usage",
        "Circuit breaker",
        "Heartbeat age",
      ]),
    );
  });

  it("lays panels out in rows of at most 24 columns without overlap", () => {
    for (const spec of DASHBOARDS) {
      const model = JSON.parse(dashboardText(spec)) as {
        panels: { gridPos: { x: number; y: number; w: number; h: number } }[];
      };
      const cells = new Set<string>();
      for (const { gridPos } of model.panels) {
        expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
        for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
          for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  it("every panel's PromQL parses", () => {
    const promtool = requireBinary("promtool", "prometheus");
    const exprs = DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.expr)));
    const rules = exprs.map(
      (expr, i) => `      - record: panel_${i}\n        expr: ${JSON.stringify(expr)}`,
    );
    const dir = mkdtempSync(path.join(tmpdir(), "elk-grafana-"));
    try {
      const file = path.join(dir, "panels.yml");
      writeFileSync(file, `groups:\n  - name: panels\n    rules:\n${rules.join("\n")}\n`);
      expect(run(promtool, ["check", "rules", file])).toContain(
        `SUCCESS: ${exprs.length} rules found`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

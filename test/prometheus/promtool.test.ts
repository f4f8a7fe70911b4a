// Proves the Prometheus files are valid for the real tool: prometheus.yml passes `promtool
// check config`, alerts.yml passes `promtool check rules` and holds every rule the README lists,
// each with for:, severity, summary and description, and `promtool test rules` shows each alert
// firing on a synthetic series.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { requireBinary, run } from "./binaries.js";

const dir = path.resolve("prometheus");
const promtool = () => requireBinary("promtool", "prometheus");

describe("prometheus/", () => {
  it("prometheus.yml passes promtool check config", () => {
    expect(run(promtool(), ["check", "config", "prometheus.yml"], dir)).toMatch(/SUCCESS/);
  });

  it("alerts.yml passes promtool check rules", () => {
    expect(run(promtool(), ["check", "rules", "alerts.yml"], dir)).toMatch(
      /SUCCESS: 11 rules found/,
    );
  });

  it("every alert fires on its synthetic series (promtool test rules)", () => {
    expect(run(promtool(), ["test", "rules", "alerts.test.yml"], dir)).toMatch(/SUCCESS/);
  });

  it("has the README's alerts, each with for:, a severity, a summary and a description", () => {
    const text = readFileSync(path.join(dir, "alerts.yml"), "utf8");
    const alerts = [...text.matchAll(/- alert: (\w+)\n([\s\S]*?)(?=\n\s+- alert:|\n*$)/g)];
    expect(alerts.map((match) => match[1])).toEqual([
      "ElkNoLeader",
      "ElkMultipleLeadersInTerm",
      "ElkFrequentLeaderChanges",
      "ElkFollowerAppliedLag",
      "ElkWorkerHeartbeatStale",
      "ElkPartitionsFailing",
      "ElkCircuitBreakerOpen",
      "ElkPlanStalled",
      "ElkFsyncSlow",
      "ElkNodeDown",
      "ElkWorkerDown",
    ]);
    for (const [, name, body] of alerts) {
      expect(body, name).toMatch(/\n\s+for: \d+[smh]\n/);
      expect(body, name).toMatch(/\n\s+severity: (critical|warning)\n/);
      expect(body, name).toMatch(/\n\s+summary: \S/);
      expect(body, name).toMatch(/\n\s+description: \S/);
    }
    const tests = readFileSync(path.join(dir, "alerts.test.yml"), "utf8");
    for (const [, name] of alerts) expect(tests).toContain(`alertname: ${name}`);
  });
});

/**
 * Writes the dashboards of grafana/dashboards.ts to grafana/dashboards/*.json (committed, and
 * provisioned into Grafana by grafana/provisioning/dashboards/elk.yml). Run after changing a
 * panel: `npx tsx grafana/generate.ts`; test/grafana/dashboards.test.ts fails when they differ.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DASHBOARDS, dashboardText } from "./dashboards.js";

const directory = path.join(path.dirname(fileURLToPath(import.meta.url)), "dashboards");
for (const spec of DASHBOARDS) {
  const file = path.join(directory, spec.file);
  writeFileSync(file, dashboardText(spec));
  console.log(`wrote ${path.relative(process.cwd(), file)} (${spec.panels.length} panels)`);
}

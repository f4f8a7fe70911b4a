// Proves embedded mode: `elk-coordinator node --processor <module>` runs a worker inside the
// node process that registers through the node's own API and processes a plan to completion,
// its metrics served with the node's.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDevCluster } from "../../src/cli/dev-cluster.js";
import type { DevCluster } from "../../src/cli/dev-cluster.js";
import { createClient } from "../../src/worker/client.js";

const dir = mkdtempSync(path.join(tmpdir(), "elk-embedded-"));
let cluster: DevCluster | undefined;

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("node --processor", () => {
  it("runs a worker in the node that completes a plan", { timeout: 60_000 }, async () => {
    const processorFile = path.join(dir, "count.mjs");
    writeFileSync(
      processorFile,
      "export default { async process(task) { return { processedCount: task.maxId - task.minId + 1 }; } };",
    );
    cluster = await startDevCluster({
      nodes: 1,
      basePort: 0,
      dataDir: path.join(dir, "cluster"),
      nodeArgs: () => ["--processor", processorFile, "--window", "2"],
    });
    const client = createClient({ endpoints: cluster.endpoints });
    try {
      await client.createPlan({ planId: "e", minId: 1, maxId: 500, partitionSize: 50 });
      const deadline = Date.now() + 30_000;
      let plan = await client.getPlan("e");
      while (plan.status !== "completed" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        plan = await client.getPlan("e");
      }
      expect(plan).toMatchObject({ status: "completed", processedCount: 500 });
      const workers = await client.listWorkers();
      expect(workers.items.map((w) => w.workerId)).toEqual([
        expect.stringMatching(/^n1-worker-\d+$/),
      ]);
      expect(workers.items[0]?.windowSize).toBe(2);
      // Its metrics join the node's registry, on the node's /metrics.
      const metrics = await (await fetch(`${cluster.endpoints[0]}/metrics`)).text();
      expect(metrics).toMatch(
        /^elk_coordinator_node_tasks_processed_total\{namespace="[^"]*",worker_id="n1-worker-\d+"\} 10$/m,
      );
      expect(metrics).toMatch(
        /^elk_coordinator_node_task_window_size\{namespace="[^"]*",worker_id="n1-worker-\d+"\} 2$/m,
      );
      expect(metrics).toMatch(/^elk_coordinator_is_leader\{node_id="n1"\} 1$/m);
    } finally {
      await client.close();
    }
  });
});

// Proves docker-compose.yml is a valid Compose file for Debian's docker-compose (`config -q`),
// that it runs three nodes, two workers, Prometheus and Grafana (Redis only in its profile),
// that Prometheus's scrape targets are those services and ports, that the mounted files exist,
// and that the Dockerfile is the multi-stage node:24-slim build the compose file expects.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { requireBinary, run } from "../prometheus/binaries.js";

// python3 with PyYAML comes with Debian's docker-compose (a Python program that depends on it).

const compose = (...args: string[]) =>
  run(requireBinary("docker-compose", "docker-compose"), ["-f", "docker-compose.yml", ...args]);

interface Service {
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: (string | { source: string; target: string; type: string })[];
  readonly profiles?: string[];
}

/** The file as docker-compose resolves it (anchors merged), parsed from its YAML output. */
function resolvedConfig(): { services: Record<string, Service> } {
  const toJson = "import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin)))";
  return JSON.parse(run("python3", ["-c", toJson], undefined, compose("config"))) as {
    services: Record<string, Service>;
  };
}

describe("docker-compose.yml", () => {
  it("passes docker-compose config", () => {
    expect(compose("config", "-q")).toBe("");
  });

  it("runs three nodes, two workers, Prometheus and Grafana; Redis behind its profile", () => {
    const { services } = resolvedConfig();
    const always = Object.keys(services).filter((name) => services[name]?.profiles === undefined);
    expect(always.sort()).toEqual([
      "grafana",
      "n1",
      "n2",
      "n3",
      "prometheus",
      "worker1",
      "worker2",
    ]);
    expect(services["redis"]?.profiles).toEqual(["redis"]);
  });

  it("scrapes exactly the compose nodes and workers on their ports", () => {
    const { services } = resolvedConfig();
    for (const id of ["n1", "n2", "n3"]) {
      expect(services[id]?.environment).toMatchObject({ ELK_ID: id, ELK_LISTEN: "0.0.0.0:7101" });
    }
    for (const id of ["worker1", "worker2"]) {
      expect(services[id]?.command).toEqual(expect.arrayContaining(["worker", "--worker-id", id]));
      expect(services[id]?.environment).toMatchObject({ ELK_METRICS_LISTEN: "0.0.0.0:9464" });
    }
    const prometheus = readFileSync(path.join("prometheus", "prometheus.yml"), "utf8");
    expect(prometheus).toContain('targets: ["n1:7101", "n2:7101", "n3:7101"]');
    expect(prometheus).toContain('targets: ["worker1:9464", "worker2:9464"]');
  });

  it("mounts files that exist, and the workers' processor is in the image", () => {
    const text = readFileSync("docker-compose.yml", "utf8");
    for (const [, source] of text.matchAll(/- (\.\/[^:]+):/g))
      expect(existsSync(source!), source).toBe(true);
    expect(existsSync(path.join("examples", "steady", "processor.js"))).toBe(true);
    const dockerfile = readFileSync("Dockerfile", "utf8");
    expect(dockerfile.match(/^FROM node:24-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toContain("COPY examples/steady ./examples/steady");
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> };
    expect(dockerfile).toContain(`ENTRYPOINT ["node", "${pkg.bin["elk-coordinator"]}"]`);
  });
});

// Proves the Kubernetes manifests: the generated PrometheusRule and dashboards ConfigMap match
// their sources; the base (3 nodes) and the five-nodes overlay build and every object passes the
// Kubernetes and prometheus-operator schemas; node ids, peers and replicas agree; probes,
// disruption budget and grace period are what docs promise; and every variable the node and
// worker containers (and docker-compose.yml) set is one the server's or worker's own parser
// accepts, with a resolvable node configuration.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { parseAllDocuments, parse } from "yaml";
import { describe, expect, it } from "vitest";
import { workerCommand } from "../../src/cli/worker-command.js";
import { SERVER_OPTIONS, envOf, resolveServerConfig } from "../../src/server/config.js";
import { renderGenerated } from "../../tools/kubernetes-generated.js";

const KUBE = path.join("deploy", "kubernetes");
type Manifest = { kind: string; metadata: { name: string }; [key: string]: unknown };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  StatefulSet,
  Deployment,
  Service,
  Secret,
  ConfigMap,
  PodDisruptionBudget,
  ServiceMonitor,
  PrometheusRule,
};

function hasKubectl(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v kubectl"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The objects `kubectl kustomize dir` renders. Without kubectl, the same by hand for what these
 * kustomizations use: the base's resources (with its labels), and for the overlay its one patch
 * (replicas and ELK_PEERS of the StatefulSet) — said in deploy/kubernetes/README.md.
 */
function build(dir: string): Manifest[] {
  if (hasKubectl()) {
    const text = execFileSync("kubectl", ["kustomize", path.join(KUBE, dir)], { encoding: "utf8" });
    return parseAllDocuments(text).map((doc) => doc.toJSON() as Manifest);
  }
  const base = parse(readFileSync(path.join(KUBE, "base", "kustomization.yaml"), "utf8")) as {
    resources: string[];
  };
  const objects = base.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(KUBE, "base", file), "utf8")).map(
      (doc) => doc.toJSON() as Manifest,
    ),
  );
  if (dir === "base") return objects;
  const patch = parse(
    readFileSync(path.join(KUBE, dir, "statefulset-five.yaml"), "utf8"),
  ) as StatefulSetShape;
  const set = objects.find(
    (object) => object.kind === "StatefulSet",
  ) as unknown as StatefulSetShape;
  set.spec.replicas = patch.spec.replicas;
  const patched = patch.spec.template.spec.containers[0]!.env;
  for (const variable of set.spec.template.spec.containers[0]!.env) {
    const replacement = patched.find((candidate) => candidate.name === variable.name);
    if (replacement !== undefined) Object.assign(variable, replacement);
  }
  return objects;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface StatefulSetShape {
  spec: {
    replicas: number;
    template: {
      spec: {
        terminationGracePeriodSeconds: number;
        containers: {
          env: EnvVar[];
          args: string[];
          readinessProbe: { httpGet: { path: string; scheme: string } };
          livenessProbe: { httpGet: { path: string; scheme: string } };
        }[];
      };
    };
  };
}

const SERVER_ENV = new Set(SERVER_OPTIONS.map((option) => envOf(option.key)));
const WORKER_ENV = new Set(
  workerCommand()
    .options.map((option) => option.envVar)
    .filter((name): name is string => name !== undefined),
);

/** The environment a node container gets, `$(ELK_ID)` expanded, secrets given sample values. */
function nodeEnvironment(env: readonly EnvVar[], podName: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of env) {
    expect(SERVER_ENV, `${variable.name} is a server variable`).toContain(variable.name);
    const value =
      variable.name === "ELK_ID"
        ? podName
        : variable.name === "ELK_CLUSTER_SECRET"
          ? "a sample cluster secret of 32 chars"
          : (variable.value ?? "");
    values[variable.name] = value.replace("$(ELK_ID)", values["ELK_ID"] ?? "");
  }
  return values;
}

describe("deploy/kubernetes", () => {
  it("the generated PrometheusRule and dashboards ConfigMap are up to date", () => {
    for (const [file, text] of Object.entries(renderGenerated())) {
      expect(readFileSync(file, "utf8"), `${file}: run npm run gen:kubernetes`).toBe(text);
    }
  });

  for (const [dir, replicas] of [
    ["base", 3],
    [path.join("overlays", "five-nodes"), 5],
  ] as const) {
    it(`${dir}: builds, every object passes its schema, ${replicas} nodes agree on their peers`, () => {
      const objects = build(dir);
      expect(objects.map((object) => object.kind).sort()).toEqual([
        "ConfigMap",
        "PodDisruptionBudget",
        "PrometheusRule",
        "Secret",
        "Service",
        "Service",
        "ServiceMonitor",
        "StatefulSet",
      ]);
      for (const object of objects) {
        const Model = MODELS[object.kind];
        expect(Model, object.kind).toBeDefined();
        expect(() => new Model!(object as never).validate(), object.kind).not.toThrow();
      }
      const set = objects.find((o) => o.kind === "StatefulSet") as unknown as StatefulSetShape;
      expect(set.spec.replicas).toBe(replicas);
      const node = set.spec.template.spec.containers[0]!;
      expect(node.readinessProbe.httpGet).toMatchObject({ path: "/readyz", scheme: "HTTPS" });
      expect(node.livenessProbe.httpGet).toMatchObject({ path: "/healthz", scheme: "HTTPS" });
      expect(set.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
      const pdb = objects.find((o) => o.kind === "PodDisruptionBudget") as unknown as {
        spec: { maxUnavailable: number };
      };
      expect(pdb.spec.maxUnavailable).toBe(1);
      for (let ordinal = 0; ordinal < replicas; ordinal++) {
        const podName = `elk-coordinator-${ordinal}`;
        const config = resolveServerConfig({ flags: {}, env: nodeEnvironment(node.env, podName) });
        expect(config.nodeId).toBe(podName);
        expect([...config.peers.keys()]).toEqual(
          Array.from({ length: replicas }, (_, at) => `elk-coordinator-${at}`),
        );
        expect(config.tls?.certFile).toBe(`/etc/elk/tls/${podName}.crt`);
        expect(config.apiTokensFile).toBe("/etc/elk/secret/api-tokens");
      }
      expect(node.args).toEqual(["node"]);
    });
  }

  it("the worker example validates and sets only variables the worker command reads", () => {
    const [worker] = parseAllDocuments(
      readFileSync(path.join(KUBE, "examples", "worker.yaml"), "utf8"),
    ).map((doc) => doc.toJSON() as Manifest);
    expect(() => new Deployment(worker as never).validate()).not.toThrow();
    const container = (worker as unknown as StatefulSetShape).spec.template.spec.containers[0]!;
    for (const variable of container.env) expect(WORKER_ENV).toContain(variable.name);
    expect(container.args.slice(0, 1)).toEqual(["worker"]);
  });

  it("docker-compose.yml passes only variables the node and worker accept", () => {
    const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    for (const [name, service] of Object.entries(compose.services)) {
      const command = service.command?.[0];
      if (command === "node") {
        const env = service.environment ?? {};
        for (const variable of Object.keys(env)) expect(SERVER_ENV, name).toContain(variable);
        // Compose's ${VAR:-default} with nothing set in the environment: the default.
        const resolved = Object.fromEntries(
          Object.entries(env).map(([key, value]) => [
            key,
            String(value).replace(/\$\{\w+:-([^}]*)\}/g, "$1"),
          ]),
        );
        expect(resolveServerConfig({ flags: {}, env: resolved }).nodeId).toBe(name);
      } else if (command === "worker") {
        for (const variable of Object.keys(service.environment ?? {})) {
          expect(WORKER_ENV, name).toContain(variable);
        }
      }
    }
  });
});

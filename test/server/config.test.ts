// Proves the configuration loader: flag > environment > file > default for every setting, the
// derived flag and variable names, and a clear ServerConfigError (naming the source) for every
// kind of mistake, including the node's own timing checks.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SERVER_OPTIONS,
  ServerConfigError,
  envOf,
  flagOf,
  peerUrls,
  readConfigFile,
  resolveServerConfig,
  type ConfigSources,
} from "../../src/server/config.js";
import { DEFAULT_NODE_TIMINGS } from "../../src/node/config.js";

const SECRET = "a cluster secret of 32 characters";
const BASE = { id: "n1", dataDir: "/tmp/elk-n1", clusterSecret: SECRET } as const;

function resolve(partial: Partial<ConfigSources>) {
  return resolveServerConfig({ flags: {}, env: {}, ...partial });
}

function failure(partial: Partial<ConfigSources>): string {
  try {
    resolve(partial);
  } catch (error) {
    expect(error).toBeInstanceOf(ServerConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ServerConfigError");
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "elk-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("names", () => {
  it("derives the flag and the variable from the file key", () => {
    expect(flagOf("dataDir")).toBe("--data-dir");
    expect(envOf("dataDir")).toBe("ELK_DATA_DIR");
    expect(flagOf("electionTimeoutTicks")).toBe("--election-timeout-ticks");
    expect(envOf("clusterSecret")).toBe("ELK_CLUSTER_SECRET");
  });

  it("offers every node timing as a setting", () => {
    const keys = SERVER_OPTIONS.map((option) => option.key);
    for (const timing of Object.keys(DEFAULT_NODE_TIMINGS)) expect(keys).toContain(timing);
  });
});

describe("precedence", () => {
  it("uses defaults for what nobody says: listen, peers = this node alone, info, timings", () => {
    const config = resolve({ flags: BASE });
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 7101 });
    expect([...config.peers]).toEqual([["n1", "127.0.0.1:7101"]]);
    expect(config.logLevel).toBe("info");
    expect(config.timings).toEqual(DEFAULT_NODE_TIMINGS);
    expect(config.apiToken).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve("/tmp/elk-n1"));
  });

  it("takes a flag over the environment over the file", () => {
    const file = { path: "c.json", values: { tickIntervalMs: 30, logLevel: "warn", id: "n9" } };
    const env = { ELK_TICK_INTERVAL_MS: "40", ELK_LOG_LEVEL: "debug" };
    const flags = { ...BASE, tickIntervalMs: "60" };
    const config = resolve({ flags, env, file });
    expect(config.timings.tickIntervalMs).toBe(60);
    expect(config.logLevel).toBe("debug");
    expect(config.nodeId).toBe("n1");
    expect(resolve({ flags: BASE, file }).timings.tickIntervalMs).toBe(30);
    expect(resolve({ flags: BASE, file }).logLevel).toBe("warn");
  });

  it("reads everything from the environment alone", () => {
    const config = resolve({
      env: {
        ELK_ID: "n2",
        ELK_LISTEN: "0.0.0.0:7102",
        ELK_PEERS: "n1=10.0.0.1:7101, n2=10.0.0.2:7102",
        ELK_DATA_DIR: "/var/lib/elk",
        ELK_CLUSTER_SECRET: SECRET,
        ELK_API_TOKEN: "t0ken",
      },
    });
    expect(config.nodeId).toBe("n2");
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 7102 });
    expect(config.peers.get(config.nodeId)).toBe("10.0.0.2:7102");
    expect(config.apiToken).toBe("t0ken");
    expect(peerUrls(config.peers).get(config.nodeId)).toBe("http://10.0.0.2:7102");
  });

  it("ignores an empty environment variable", () => {
    expect(resolve({ flags: BASE, env: { ELK_LOG_LEVEL: "" } }).logLevel).toBe("info");
  });

  it("accepts peers as an object in a file", () => {
    const file = { path: "c.json", values: { peers: { n1: "127.0.0.1:1", n2: "127.0.0.1:2" } } };
    expect([...resolve({ flags: BASE, file }).peers.keys()]).toEqual(["n1", "n2"]);
  });
});

describe("mistakes", () => {
  it("requires an id, a data directory and a long enough secret", () => {
    expect(failure({ flags: { dataDir: "d", clusterSecret: SECRET } })).toMatch(
      /--id is required \(or ELK_ID/,
    );
    expect(failure({ flags: { id: "n1", clusterSecret: SECRET } })).toMatch(/--data-dir/);
    expect(failure({ flags: { id: "n1", dataDir: "d" } })).toMatch(/ELK_CLUSTER_SECRET/);
    expect(failure({ flags: { ...BASE, clusterSecret: "short" } })).toMatch(/at least 16 bytes/);
  });

  it("refuses a node id the transport refuses", () => {
    expect(failure({ flags: { ...BASE, id: "n 1" } })).toMatch(/--id: node id "n 1"/);
    expect(failure({ flags: { ...BASE, id: "x".repeat(65) } })).toMatch(/1\.\.64/);
  });

  it("refuses malformed addresses and ports", () => {
    expect(failure({ flags: { ...BASE, listen: "7101" } })).toMatch(/--listen must be host:port/);
    expect(failure({ flags: { ...BASE, listen: "h:70000" } })).toMatch(/1\.\.65535/);
    expect(failure({ flags: { ...BASE, peers: "n1=127.0.0.1:0" } })).toMatch(/the address of n1/);
  });

  it("requires the peers to include this node, once each, as id=host:port", () => {
    expect(failure({ flags: { ...BASE, peers: "n2=h:1,n3=h:2" } })).toMatch(
      /must include this node \(n1\), or --join .*; it lists n2, n3/,
    );
    expect(failure({ env: { ELK_PEERS: "n1=h:1,n1=h:2" }, flags: BASE })).toMatch(
      /ELK_PEERS lists n1 twice/,
    );
    expect(failure({ flags: { ...BASE, peers: "n1" } })).toMatch(/"n1" is not id=host:port/);
    expect(failure({ flags: { ...BASE, peers: "," } })).toMatch(/must list id=host:port/);
  });

  it("names the file key of a bad value from a file", () => {
    const file = { path: "conf.json", values: { electionTimeoutTicks: -3 } };
    expect(failure({ flags: BASE, file })).toMatch(
      /"electionTimeoutTicks" in conf.json must be a positive integer, got -3/,
    );
  });

  it("refuses non-integer timings and unknown log levels", () => {
    expect(failure({ flags: { ...BASE, tickIntervalMs: "1.5" } })).toMatch(
      /--tick-interval-ms must be a positive integer/,
    );
    expect(failure({ flags: BASE, env: { ELK_LOG_LEVEL: "loud" } })).toMatch(
      /ELK_LOG_LEVEL must be one of trace/,
    );
  });

  it("takes the TLS files together (absolute), and makes peer URLs https", () => {
    const tls = { tlsCert: "n1.crt", tlsKey: "n1.key", tlsCa: "ca.crt" };
    const config = resolve({ flags: { ...BASE, ...tls }, env: { ELK_API_TOKENS_FILE: "tokens" } });
    expect(config.tls).toEqual({
      certFile: path.resolve("n1.crt"),
      keyFile: path.resolve("n1.key"),
      caFile: path.resolve("ca.crt"),
    });
    expect(config.apiTokensFile).toBe(path.resolve("tokens"));
    expect(peerUrls(config.peers, true).get(config.nodeId)).toBe("https://127.0.0.1:7101");
    expect(failure({ flags: { ...BASE, tlsCert: "n1.crt", tlsKey: "n1.key" } })).toMatch(
      /TLS needs --tls-cert, --tls-key, --tls-ca together .*missing --tls-ca/,
    );
  });

  it("passes on the node's own checks as configuration errors", () => {
    const flags = { ...BASE, heartbeatIntervalTicks: "30", electionTimeoutTicks: "20" };
    expect(failure({ flags })).toMatch(/heartbeatIntervalTicks must be below electionTimeoutTicks/);
  });
});

describe("config files", () => {
  it("reads a JSON object", async () => {
    const file = path.join(dir, "ok.json");
    await writeFile(file, JSON.stringify({ id: "n3", snapshotEveryEntries: 500 }));
    const read = await readConfigFile(file);
    expect(read).toEqual({ path: file, values: { id: "n3", snapshotEveryEntries: 500 } });
  });

  it("refuses a missing file, bad JSON, a non-object and unknown keys", async () => {
    await expect(readConfigFile(path.join(dir, "none.json"))).rejects.toThrow(/cannot read/);
    await writeFile(path.join(dir, "bad.json"), "{ id: n1 }");
    await expect(readConfigFile(path.join(dir, "bad.json"))).rejects.toThrow(/is not JSON/);
    await writeFile(path.join(dir, "list.json"), "[1]");
    await expect(readConfigFile(path.join(dir, "list.json"))).rejects.toThrow(/one JSON object/);
    await writeFile(path.join(dir, "typo.json"), JSON.stringify({ dataDri: "x" }));
    await expect(readConfigFile(path.join(dir, "typo.json"))).rejects.toThrow(
      /unknown keys: dataDri/,
    );
  });
});

describe("the Redis mirror settings", () => {
  it("are off without a Redis URL, and defaulted with one", () => {
    expect(resolve({ flags: BASE }).mirror).toBeUndefined();
    const config = resolve({ flags: { ...BASE, redisUrl: "redis://127.0.0.1:6379" } });
    expect(config.mirror).toMatchObject({
      redisUrl: "redis://127.0.0.1:6379",
      keyPrefix: "elk:",
      completed: { kind: "keep" },
    });
    expect(flagOf("redisMirrorCompleted")).toBe("--redis-mirror-completed");
    expect(envOf("redisCompletedTtlSeconds")).toBe("ELK_REDIS_COMPLETED_TTL_SECONDS");
  });

  it("come from flags, the environment or a file like every setting", () => {
    const fromEnv = resolve({
      flags: BASE,
      env: {
        ELK_REDIS_URL: "redis://r:6379/2",
        ELK_REDIS_PREFIX: "{coord}:",
        ELK_REDIS_COMPLETED_TTL_SECONDS: "600",
      },
    });
    expect(fromEnv.mirror).toMatchObject({
      keyPrefix: "{coord}:",
      completed: { kind: "expire", ttlSeconds: 600 },
    });
    const fromFile = resolve({
      flags: BASE,
      file: {
        path: "c.json",
        values: { redisUrl: "redis://r:6379", redisMirrorCompleted: false },
      },
    });
    expect(fromFile.mirror?.completed).toEqual({ kind: "skip" });
    const flagWins = resolve({
      flags: { ...BASE, redisUrl: "redis://r:6379", redisMirrorCompleted: "true" },
      env: { ELK_REDIS_MIRROR_COMPLETED: "false" },
    });
    expect(flagWins.mirror?.completed).toEqual({ kind: "keep" });
  });

  it("refuses a mirror setting without a URL, and values the mirror refuses", () => {
    expect(failure({ flags: { ...BASE, redisPrefix: "x:" } })).toMatch(
      /--redis-prefix needs --redis-url/,
    );
    const url = { ...BASE, redisUrl: "redis://r:6379" };
    expect(failure({ flags: { ...url, redisMirrorCompleted: "no" } })).toMatch(/true or false/);
    expect(failure({ flags: { ...url, redisCompletedTtlSeconds: "soon" } })).toMatch(
      /--redis-completed-ttl-seconds must be a positive integer/,
    );
    expect(failure({ flags: { ...url, redisPrefix: "a b" } })).toMatch(/key prefix/);
    expect(failure({ flags: { ...BASE, redisUrl: "http://r" } })).toMatch(/redis\(s\):\/\//);
    expect(
      failure({ flags: { ...url, redisMirrorCompleted: "false", redisCompletedTtlSeconds: "5" } }),
    ).toMatch(/TTL needs completed partitions/);
  });
});

describe("failpoints (chaos only)", () => {
  it("arms nothing unless ELK_FAILPOINTS says so", () => {
    expect(resolve({ flags: BASE }).failpoints).toBeUndefined();
  });

  it("reads name[@armAfterMs] from ELK_FAILPOINTS only", () => {
    const config = resolve({
      flags: BASE,
      env: { ELK_FAILPOINTS: "crash-before-send, crash-after-persist@2500" },
    });
    expect(config.failpoints).toEqual([
      { failpoint: "crash-before-send", armAfterMs: 0 },
      { failpoint: "crash-after-persist", armAfterMs: 2500 },
    ]);
  });

  it("refuses an unknown failpoint or a malformed delay, naming the variable", () => {
    expect(failure({ flags: BASE, env: { ELK_FAILPOINTS: "crash-somewhere" } })).toMatch(
      /ELK_FAILPOINTS: "crash-somewhere"/,
    );
    expect(failure({ flags: BASE, env: { ELK_FAILPOINTS: "crash-before-send@soon" } })).toMatch(
      /ELK_FAILPOINTS/,
    );
  });
});

describe("--join", () => {
  const FIRST_VOTERS = "n1=10.0.0.1:7101,n2=10.0.0.2:7101,n3=10.0.0.3:7101";

  it("joins when --peers (the first voters) does not name this node", async () => {
    const config = resolve({
      flags: {
        ...BASE,
        id: "n4",
        peers: FIRST_VOTERS,
        join: "http://10.0.0.1:7101, https://n2.example:7101/",
        advertise: "10.0.0.4:7101",
        joinToken: "t",
      },
    });
    expect(config.join).toEqual(["http://10.0.0.1:7101", "https://n2.example:7101"]);
    expect(config.joinToken).toBe("t");
    expect(Object.fromEntries(config.peers)).toMatchObject({
      n1: "10.0.0.1:7101",
      n4: "10.0.0.4:7101",
    });
    const file = path.join(dir, "join.json");
    await writeFile(
      file,
      JSON.stringify({ join: ["http://10.0.0.3:7101"], listen: "10.0.0.5:7101" }),
    );
    const fromFile = resolve({ flags: { ...BASE, id: "n5" }, file: await readConfigFile(file) });
    expect(fromFile.join).toEqual(["http://10.0.0.3:7101"]);
    expect(fromFile.peers.get("n5" as never)).toBe("10.0.0.5:7101");
  });

  it("is ignored on one of the first voters, so one template serves every pod", () => {
    const config = resolve({
      flags: { ...BASE, peers: FIRST_VOTERS, join: "http://10.0.0.2:7101" },
    });
    expect(config.join).toBeUndefined();
    expect([...config.peers.keys()]).toEqual(["n1", "n2", "n3"]);
  });

  it("needs an address the others can reach, and http(s)://host:port URLs", () => {
    const joining = { ...BASE, id: "n4", peers: FIRST_VOTERS };
    expect(failure({ flags: { ...joining, join: "http://a:1", listen: "0.0.0.0:7101" } })).toMatch(
      /needs --advertise/,
    );
    expect(failure({ flags: { ...joining, join: "a:1" } })).toMatch(
      /"a:1" is not http\(s\):\/\/host:port/,
    );
    expect(failure({ flags: { ...joining, join: " , " } })).toMatch(/at least one URL/);
    expect(failure({ flags: joining })).toMatch(/must include this node \(n4\), or --join/);
  });
});

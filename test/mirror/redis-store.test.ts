// Proves RedisStore and the commit script on a real redis-server: the guard refuses a stale
// index (or the same index from an older term) and a gap, a refused commit changes nothing but
// its staging hashes, a lost staging hash or a non-hash key stops the commit before any write,
// staged hashes are renamed (sentinel and TTL dropped) or merged (deletion markers applied),
// large writes go through, the store reports Redis going and coming back, and on random
// stage/commit sequences it holds exactly what the in-memory model (memory-store.ts) holds.
import fc from "fast-check";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mirrorConfig } from "../../src/mirror/config.js";
import { MirrorKeys } from "../../src/mirror/keys.js";
import { RedisStore, reconnectDelayMs } from "../../src/mirror/redis-store.js";
import type { CommitRequest, CommitStep, StagingWrite } from "../../src/mirror/store.js";
import { waitFor } from "../node/harness.js";
import { plain, readRedisMirror } from "./expected.js";
import { MemoryStore } from "./memory-store.js";
import { RedisServer } from "./redis-server.js";

const keys = new MirrorKeys("s:");
let server: RedisServer;
let redis: Redis;
let store: RedisStore;
const events: string[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  redis = server.client();
  store = new RedisStore(
    mirrorConfig({ redisUrl: server.url, retryDelayMsMin: 20, retryDelayMsMax: 100 }),
    keys,
    { onUp: () => events.push("up"), onDown: () => events.push("down") },
    "test-store",
  );
  await waitFor("the store is connected", () => events.includes("up"));
});

afterAll(async () => {
  await store?.close();
  await redis?.quit();
  await server?.stop();
});

afterEach(async () => {
  await redis.flushall();
});

const staging = (n: number) => keys.staging("w", n);
const fields = (entries: [string, string | null][]) => new Map(entries);
const commit = (request: Partial<CommitRequest> & { steps: CommitStep[] }) =>
  store.commit({ base: 0, index: 1, term: 1, ...request });

async function stage(n: number, entries: [string, string][], fresh = true) {
  const write: StagingWrite = { key: staging(n), fresh, set: new Map(entries), remove: [] };
  await store.stage([write], 600);
}

describe("the guard", () => {
  it("refuses a lower index, or the same index from an older term, and a gap", async () => {
    expect(await commit({ index: 10, term: 3, steps: [] })).toEqual({ kind: "ok" });
    expect(await commit({ index: 9, term: 4, steps: [] })).toEqual({
      kind: "stale",
      mirrorIndex: 10,
      mirrorTerm: 3,
    });
    expect(await commit({ index: 10, term: 2, steps: [] })).toMatchObject({ kind: "stale" });
    expect(await commit({ base: 11, index: 12, term: 3, steps: [] })).toEqual({
      kind: "gap",
      mirrorIndex: 10,
      mirrorTerm: 3,
    });
    expect(await commit({ base: 10, index: 10, term: 3, steps: [] })).toEqual({ kind: "ok" });
    expect(await redis.mget(keys.appliedIndex, keys.term)).toEqual(["10", "3"]);
  });

  it("treats an empty Redis as a mirror at 0: incremental commits are a gap", async () => {
    expect(await commit({ base: 5, index: 6, steps: [] })).toMatchObject({ kind: "gap" });
    expect(await redis.exists(keys.appliedIndex)).toBe(0);
  });

  it("lets a refused commit change nothing but drop its staging hashes", async () => {
    await commit({
      index: 10,
      steps: [{ kind: "write", key: "s:a", replace: false, fields: fields([["1", "old"]]) }],
    });
    await stage(0, [["1", "new"]]);
    const outcome = await commit({
      index: 9,
      steps: [
        { kind: "rename", staging: staging(0), key: "s:a" },
        { kind: "write", key: "s:b", replace: false, fields: fields([["1", "x"]]) },
      ],
    });
    expect(outcome.kind).toBe("stale");
    expect(await redis.hgetall("s:a")).toEqual({ 1: "old" });
    expect(await redis.keys("s:*")).toEqual(expect.not.arrayContaining(["s:b", staging(0)]));
  });

  it("stops before any write when a staging hash is lost or a key is not a hash", async () => {
    const lost = await commit({
      steps: [
        { kind: "write", key: "s:a", replace: false, fields: fields([["1", "x"]]) },
        { kind: "merge", staging: staging(7), key: "s:b" },
      ],
    });
    expect(lost).toEqual({ kind: "lost", key: staging(7) });
    await redis.set("s:c", "a string");
    const foreign = await commit({
      steps: [
        { kind: "write", key: "s:a", replace: false, fields: fields([["1", "x"]]) },
        { kind: "write", key: "s:c", replace: false, fields: fields([["1", "x"]]) },
      ],
    });
    expect(foreign).toEqual({ kind: "foreign", key: "s:c" });
    expect(await redis.exists("s:a", keys.appliedIndex)).toBe(0);
    // Replacing a foreign key is fine: it is dropped first.
    const replaced = await commit({
      steps: [{ kind: "write", key: "s:c", replace: true, fields: fields([["1", "x"]]) }],
    });
    expect(replaced.kind).toBe("ok");
    expect(await redis.hgetall("s:c")).toEqual({ 1: "x" });
  });
});

describe("the steps", () => {
  it("renames a staged hash without its sentinel or TTL, and expires on request", async () => {
    await stage(0, [["1", "a"]]);
    await stage(1, []);
    await redis.hset("s:gone", "1", "z");
    const outcome = await commit({
      steps: [
        { kind: "rename", staging: staging(0), key: "s:a" },
        { kind: "rename", staging: staging(1), key: "s:gone" },
        { kind: "expire", key: "s:a", seconds: 30 },
      ],
    });
    expect(outcome.kind).toBe("ok");
    expect(await redis.hgetall("s:a")).toEqual({ 1: "a" });
    expect(await redis.ttl("s:a")).toBeGreaterThan(25);
    expect(await redis.exists("s:gone", staging(0), staging(1))).toBe(0);
  });

  it("merges a staged hash, deleting the fields staged as deletion markers", async () => {
    await redis.hset("s:a", { 1: "old", 2: "keep", 3: "drop" });
    await stage(0, [
      ["1", "new"],
      ["3", ""],
      ["4", "added"],
    ]);
    expect(
      (await commit({ steps: [{ kind: "merge", staging: staging(0), key: "s:a" }] })).kind,
    ).toBe("ok");
    expect(await redis.hgetall("s:a")).toEqual({ 1: "new", 2: "keep", 4: "added" });
    expect(await redis.exists(staging(0))).toBe(0);
  });

  it("writes thousands of fields in one commit and deletes stale keys", async () => {
    const many = fields(Array.from({ length: 3_000 }, (_, i) => [String(i), `v${i}`]));
    await redis.hset("s:stale", "1", "x");
    const outcome = await commit({
      steps: [
        { kind: "write", key: "s:big", replace: true, fields: many },
        { kind: "delete", key: "s:stale" },
      ],
    });
    expect(outcome.kind).toBe("ok");
    expect(await redis.hlen("s:big")).toBe(3_000);
    expect(await redis.hget("s:big", "2999")).toBe("v2999");
    expect(await redis.exists("s:stale")).toBe(0);
  });

  it("scans every key under a prefix and discards keys", async () => {
    const names = Array.from({ length: 2_500 }, (_, i) => `s:k${i}`);
    await redis.mset(Object.fromEntries(names.map((name) => [name, "1"])));
    await redis.set("other:k", "1");
    const found = await store.scanKeys(keys.everyKeyPattern);
    expect(found.sort()).toEqual([...names].sort());
    await store.discard(found);
    expect(await redis.dbsize()).toBe(1);
  });
});

describe("against the in-memory model", () => {
  const FIELDS = ["1", "2", "3"];
  const LIVE = ["s:a", "s:b"];
  const stagingArb = fc.record({
    n: fc.nat(2),
    fresh: fc.boolean(),
    set: fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("x", "y", "")), {
      maxLength: 3,
    }),
    remove: fc.array(fc.constantFrom(...FIELDS), { maxLength: 2 }),
  });
  const stepArb: fc.Arbitrary<CommitStep> = fc.oneof(
    fc.record({
      kind: fc.constant("rename" as const),
      staging: fc.nat(2).map(staging),
      key: fc.constantFrom(...LIVE),
    }),
    fc.record({
      kind: fc.constant("merge" as const),
      staging: fc.nat(2).map(staging),
      key: fc.constantFrom(...LIVE),
    }),
    fc.record({
      kind: fc.constant("write" as const),
      key: fc.constantFrom(...LIVE),
      replace: fc.boolean(),
      fields: fc
        .array(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("x", "z", null)), {
          maxLength: 3,
        })
        .map((entries) => new Map(entries)),
    }),
    fc.record({ kind: fc.constant("delete" as const), key: fc.constantFrom(...LIVE) }),
  );
  const roundArb = fc.record({
    writes: fc.array(stagingArb, { maxLength: 3 }),
    steps: fc.uniqueArray(stepArb, {
      maxLength: 4,
      selector: (step) => ("staging" in step ? step.staging : step.key + step.kind),
    }),
    index: fc.nat(4),
    base: fc.nat(3),
  });

  it("holds what the model holds after random stage and commit rounds", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 6 }), async (rounds) => {
        await redis.flushall();
        const model = new MemoryStore(keys);
        for (const round of rounds) {
          const writes: StagingWrite[] = round.writes.map((w) => ({
            key: staging(w.n),
            fresh: w.fresh,
            set: new Map(w.set),
            remove: w.remove,
          }));
          await store.stage(writes, 600);
          await model.stage(writes, 600);
          const request = { base: round.base, index: round.index, term: 1, steps: round.steps };
          expect(await store.commit(request)).toEqual(await model.commit(request));
        }
        const actual = await readRedisMirror(redis, "s:");
        const modelled = new Map([...model.hashes].filter(([key]) => !key.includes("staging")));
        expect(plain(actual.hashes)).toEqual(plain(modelled));
        expect(actual.staging.sort()).toEqual(model.stagingKeys().sort());
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe("the connection", () => {
  it("reports Redis going away and coming back; commands fail fast meanwhile", async () => {
    events.length = 0;
    await server.stop();
    await waitFor("the store saw Redis go", () => events.includes("down"));
    await expect(commit({ steps: [] })).rejects.toThrow();
    await server.start();
    await waitFor("the store saw Redis return", () => events.at(-1) === "up", 10_000);
    expect((await commit({ steps: [] })).kind).toBe("ok");
    redis.disconnect();
    redis = server.client();
  });

  it("backs off with doubling delays between the bounds", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => reconnectDelayMs(n, 100, 1_000))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});

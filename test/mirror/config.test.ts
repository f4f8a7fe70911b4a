// Proves the mirror configuration: defaults from src/constants.ts, the three completed-partition
// policies, and a MirrorConfigError for every setting that cannot work.
import { describe, expect, it } from "vitest";
import * as constants from "../../src/constants.js";
import { MirrorConfigError, mirrorConfig } from "../../src/mirror/config.js";

const redisUrl = "redis://127.0.0.1:6379";

describe("mirrorConfig", () => {
  it("fills in the defaults", () => {
    const config = mirrorConfig({ redisUrl });
    expect(config).toMatchObject({ redisUrl, keyPrefix: "elk:", completed: { kind: "keep" } });
    expect([config.flushDelayMs, config.dirtyEntriesMax, config.stagingTtlSeconds]).toEqual([
      constants.mirrorFlushDelayMs,
      constants.mirrorDirtyEntriesMax,
      constants.mirrorStagingTtlSeconds,
    ]);
  });

  it("maps --redis-mirror-completed and --redis-completed-ttl-seconds to a policy", () => {
    expect(mirrorConfig({ redisUrl, mirrorCompleted: false }).completed).toEqual({ kind: "skip" });
    expect(mirrorConfig({ redisUrl, completedTtlSeconds: 60 }).completed).toEqual({
      kind: "expire",
      ttlSeconds: 60,
    });
    expect(mirrorConfig({ redisUrl, mirrorCompleted: true }).completed).toEqual({ kind: "keep" });
  });

  it("refuses what cannot work", () => {
    const bad = [
      { redisUrl: "http://127.0.0.1:6379" },
      { redisUrl, keyPrefix: "elk *" },
      { redisUrl, keyPrefix: "" },
      { redisUrl, keyPrefix: "x".repeat(65) },
      { redisUrl, mirrorCompleted: false, completedTtlSeconds: 60 },
      { redisUrl, completedTtlSeconds: 0 },
      { redisUrl, completedTtlSeconds: constants.mirrorCompletedTtlSecondsMax + 1 },
      { redisUrl, flushDelayMs: 1.5 },
      { redisUrl, retryDelayMsMin: 500, retryDelayMsMax: 100 },
      { redisUrl, renderChunkPartitionsMax: 10, dirtyEntriesMax: 5 },
    ];
    for (const options of bad) {
      expect(() => mirrorConfig(options), JSON.stringify(options)).toThrow(MirrorConfigError);
    }
  });
});

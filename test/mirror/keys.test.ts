// Proves the key layout of docs/REDIS-MIRROR.md, and that a data key is never taken for a meta
// key, even in a namespace called "mirror".
import { describe, expect, it } from "vitest";
import { MirrorKeys } from "../../src/mirror/keys.js";

describe("MirrorKeys", () => {
  const keys = new MirrorKeys("elk:");

  it("names every key of the layout", () => {
    expect(keys.plans("default")).toBe("elk:default:plans");
    expect(keys.workers("ns2")).toBe("elk:ns2:workers");
    expect(keys.partitions("default", "p1")).toBe("elk:default:plan:p1:partitions");
    expect(keys.partitions("default", "p1", "completed")).toBe("elk:default:plan:p1:completed");
    expect(keys.appliedIndex).toBe("elk:mirror:applied_index");
    expect(keys.term).toBe("elk:mirror:term");
    expect(keys.staging("n1.3.7", 2)).toBe("elk:mirror:staging:n1.3.7:2");
    expect(keys.everyKeyPattern).toBe("elk:*");
  });

  it("tells meta keys from data keys, whatever the namespace", () => {
    expect(keys.isMetaKey(keys.appliedIndex)).toBe(true);
    expect(keys.isMetaKey(keys.staging("w", 0))).toBe(true);
    for (const key of [
      keys.plans("mirror"),
      keys.workers("mirror"),
      keys.partitions("mirror", "staging"),
      keys.partitions("mirror", "applied_index"),
    ]) {
      expect(keys.isMetaKey(key), key).toBe(false);
    }
  });
});

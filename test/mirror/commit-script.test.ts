// Proves the commit script's calling convention: the meta keys come first and every other key
// once, steps are encoded as the script reads them, and every reply shape the script gives is
// decoded (anything else is a CommitReplyError). The script's behaviour on a real Redis is proven
// by redis-store.test.ts.
import { describe, expect, it } from "vitest";
import {
  CommitReplyError,
  decodeCommitReply,
  encodeCommit,
} from "../../src/mirror/commit-script.js";

const META = { appliedIndex: "p:mirror:applied_index", term: "p:mirror:term" };

describe("encodeCommit", () => {
  it("numbers keys once, meta keys first, and lays the steps out in order", () => {
    const call = encodeCommit(
      {
        base: 3,
        index: 9,
        term: 2,
        steps: [
          { kind: "rename", staging: "p:mirror:staging:w:0", key: "p:a" },
          { kind: "merge", staging: "p:mirror:staging:w:1", key: "p:b" },
          {
            kind: "write",
            key: "p:a",
            replace: true,
            fields: new Map([
              ["1", "x"],
              ["2", null],
              ["3", "y"],
            ]),
          },
          { kind: "expire", key: "p:b", seconds: 60 },
          { kind: "delete", key: "p:c" },
        ],
      },
      META,
    );
    expect(call.keys).toEqual([
      META.appliedIndex,
      META.term,
      "p:mirror:staging:w:0",
      "p:a",
      "p:mirror:staging:w:1",
      "p:b",
      "p:c",
    ]);
    expect(call.args).toEqual(
      ["3", "9", "2", "R", "3", "4", "M", "5", "6"]
        .concat(["W", "4", "1", "2", "1", "x", "3", "y", "1", "2"])
        .concat(["E", "6", "60", "D", "7"]),
    );
  });
});

describe("decodeCommitReply", () => {
  it("decodes every outcome the script gives", () => {
    expect(decodeCommitReply(["ok"])).toEqual({ kind: "ok" });
    expect(decodeCommitReply(["stale", "12", "4"])).toEqual({
      kind: "stale",
      mirrorIndex: 12,
      mirrorTerm: 4,
    });
    expect(decodeCommitReply(["gap", "0", "0"])).toEqual({
      kind: "gap",
      mirrorIndex: 0,
      mirrorTerm: 0,
    });
    expect(decodeCommitReply(["lost", "k"])).toEqual({ kind: "lost", key: "k" });
    expect(decodeCommitReply(["foreign", "k"])).toEqual({ kind: "foreign", key: "k" });
  });

  it("refuses any other reply", () => {
    for (const reply of [null, "ok", ["ok", "1"], ["stale", "1"], ["lost"], ["what"], [1]]) {
      expect(() => decodeCommitReply(reply)).toThrow(CommitReplyError);
    }
  });
});

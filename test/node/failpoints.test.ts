// Proves the failpoint names are a closed list that the CLI can check a user's input against.
import { describe, expect, it } from "vitest";
import { FAILPOINTS, FailpointCrash, isFailpoint } from "../../src/node/failpoints.js";

describe("failpoints", () => {
  it("recognises exactly the listed names", () => {
    expect(FAILPOINTS.every(isFailpoint)).toBe(true);
    expect(isFailpoint("crash-before-persist")).toBe(true);
    expect(isFailpoint("crash-somewhere")).toBe(false);
    expect(new FailpointCrash("crash-before-send").message).toContain("crash-before-send");
  });
});

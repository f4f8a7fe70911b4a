// Proves the typed emitter delivers events to their subscribers only, unsubscribes, and that a
// throwing listener is reported without stopping the others (or the loop that emitted).
import { describe, expect, it } from "vitest";
import { NodeEvents } from "../../src/node/events.js";

describe("NodeEvents", () => {
  it("delivers to subscribers of that event until they unsubscribe", () => {
    const events = new NodeEvents(() => undefined);
    const terms: number[] = [];
    expect(events.has("term")).toBe(false);
    const off = events.on("term", (e) => terms.push(e.term));
    events.on("indexes", () => terms.push(-1));
    expect(events.has("term")).toBe(true);
    events.emit("term", { term: 3 });
    off();
    events.emit("term", { term: 4 });
    expect(terms).toEqual([3]);
    expect(events.has("term")).toBe(false);
  });

  it("reports a throwing listener and still calls the others", () => {
    const failures: string[] = [];
    const events = new NodeEvents((name, error) => failures.push(`${name}: ${String(error)}`));
    const seen: number[] = [];
    events.on("term", () => {
      throw new Error("broken metric");
    });
    events.on("term", (e) => seen.push(e.term));
    events.emit("term", { term: 7 });
    expect(seen).toEqual([7]);
    expect(failures).toEqual(["term: Error: broken metric"]);
  });
});

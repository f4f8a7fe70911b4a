// Proves the generic typed emitter: events reach the subscribers of their name only, until they
// unsubscribe; `has` tells whether anyone listens; a throwing listener is reported with the
// event's name and the other listeners still run.
import { describe, expect, it } from "vitest";
import { TypedEvents } from "../../src/util/typed-events.js";

interface Map {
  a: { readonly n: number };
  b: { readonly s: string };
}

describe("TypedEvents", () => {
  it("delivers by name, until unsubscribed, and reports throwing listeners", () => {
    const failures: string[] = [];
    const events = new TypedEvents<Map>((name, error) =>
      failures.push(`${String(name)}: ${String(error)}`),
    );
    const seen: string[] = [];
    const off = events.on("a", (e) => seen.push(`a${e.n}`));
    events.on("b", () => {
      throw new Error("boom");
    });
    events.on("b", (e) => seen.push(`b${e.s}`));
    expect([events.has("a"), events.has("b")]).toEqual([true, true]);
    events.emit("a", { n: 1 });
    events.emit("b", { s: "x" });
    off();
    events.emit("a", { n: 2 });
    expect(seen).toEqual(["a1", "bx"]);
    expect(failures).toEqual(["b: Error: boom"]);
    expect(events.has("a")).toBe(false);
  });
});

// Proves the stop-signal policy: the first SIGINT/SIGTERM asks for a graceful stop, a repeat
// within SIGNAL_REPEAT_IGNORED_MS is the same Ctrl-C delivered twice, a later one stops at once,
// and the returned function removes the handlers.
import { afterEach, describe, expect, it } from "vitest";
import { SIGNAL_REPEAT_IGNORED_MS, onStopSignals } from "../../src/cli/signals.js";

let dispose: () => void = () => undefined;
afterEach(() => dispose());

describe("onStopSignals", () => {
  it("stops once, ignores a quick repeat, stops now on a later one", () => {
    const calls: string[] = [];
    let nowMs = 1_000;
    dispose = onStopSignals(
      {
        stop: (reason) => calls.push(`stop ${reason}`),
        stopNow: (reason) => calls.push(`now ${reason}`),
      },
      () => nowMs,
    );
    process.emit("SIGINT");
    nowMs += SIGNAL_REPEAT_IGNORED_MS - 1;
    process.emit("SIGINT");
    nowMs += 1;
    process.emit("SIGTERM");
    expect(calls).toEqual(["stop SIGINT", "now SIGTERM"]);
  });

  it("removes its handlers", () => {
    const before = process.listenerCount("SIGTERM");
    const remove = onStopSignals({ stop: () => undefined, stopNow: () => undefined });
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    remove();
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });
});

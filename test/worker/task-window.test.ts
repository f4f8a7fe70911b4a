// Proves the task window runs its tasks in parallel (all started before any finishes, total
// time of the longest rather than the sum), frees a slot when a task settles, refuses to
// overfill, and that whenEmpty honours its deadline on a fake clock.
import { describe, expect, it } from "vitest";
import { pause } from "../../src/worker/clock.js";
import { TaskWindow } from "../../src/worker/task-window.js";
import { FakeClock, settle } from "./fake-clock.js";

describe("TaskWindow", () => {
  it("runs N tasks at the same time: N × 1 s of work takes 1 s, not N s", async () => {
    const clock = new FakeClock();
    const window = new TaskWindow<number>(4);
    const startedAt: number[] = [];
    const finishedAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      window.run(`t${i}`, i, async () => {
        startedAt.push(clock.now());
        await pause(clock, 1_000);
        finishedAt.push(clock.now());
      });
    }
    expect(window.free()).toBe(0);
    await settle();
    expect(startedAt).toHaveLength(4);
    expect(finishedAt).toHaveLength(0);
    const t0 = clock.now();
    await clock.advance(1_000);
    expect(finishedAt).toEqual([t0 + 1_000, t0 + 1_000, t0 + 1_000, t0 + 1_000]);
    expect(window.size).toBe(0);
  });

  it("frees a slot when a task settles and wakes a waiter", async () => {
    const clock = new FakeClock();
    const window = new TaskWindow<string>(1);
    window.run("a", "a", () => pause(clock, 500).then(() => undefined));
    expect(window.has("a")).toBe(true);
    expect(() => window.run("b", "b", async () => {})).toThrow(/full window/);
    let woke = false;
    void window.whenChanged(clock, 10_000).then(() => (woke = true));
    await clock.advance(499);
    expect(woke).toBe(false);
    await clock.advance(1);
    expect(woke).toBe(true);
    expect(window.free()).toBe(1);
  });

  it("refuses a key that already runs", () => {
    const window = new TaskWindow<string>(2);
    window.run("a", "a", () => new Promise(() => {}));
    expect(() => window.run("a", "a", async () => {})).toThrow(/already runs/);
  });

  it("whenEmpty answers false at its deadline and true once the last task ends", async () => {
    const clock = new FakeClock();
    const window = new TaskWindow<string>(2);
    window.run("slow", "slow", () => pause(clock, 5_000).then(() => undefined));
    let empty: boolean | undefined;
    void window.whenEmpty(clock, 1_000).then((result) => (empty = result));
    await clock.advance(1_000);
    expect(empty).toBe(false);
    void window.whenEmpty(clock, 10_000).then((result) => (empty = result));
    await clock.advance(4_000);
    expect(empty).toBe(true);
  });
});

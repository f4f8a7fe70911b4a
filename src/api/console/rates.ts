/**
 * The console's rates: commands applied per second on this node, and partitions completed per
 * second by each worker, over the last constants.consoleRateWindowMs. Applied commands are
 * counted as they arrive; each console tick closes a bucket, and buckets older than the window
 * are forgotten, so memory is bounded by (window ÷ tick) buckets of at most one count per
 * worker that completed something in that tick.
 */
import { consoleRateWindowMs } from "../../constants.js";

interface Bucket {
  readonly atMs: number;
  readonly commands: number;
  readonly completions: ReadonlyMap<string, number>;
}

/** Sliding-window counters of applied commands and completions per worker. */
export class ConsoleRates {
  private commands = 0;
  private completions = new Map<string, number>();
  private readonly buckets: Bucket[] = [];

  constructor(private readonly windowMs: number = consoleRateWindowMs) {}

  /** Counts one applied command; `completedBy` names the worker when it completed a partition. */
  applied(completedBy: string | null): void {
    this.commands++;
    if (completedBy !== null) {
      this.completions.set(completedBy, (this.completions.get(completedBy) ?? 0) + 1);
    }
  }

  /** Closes the counts since the last close as the bucket ending at `atMs` and drops old ones. */
  close(atMs: number): void {
    this.buckets.push({ atMs, commands: this.commands, completions: this.completions });
    this.commands = 0;
    this.completions = new Map();
    while (this.buckets.length > 1 && (this.buckets[1]?.atMs ?? atMs) <= atMs - this.windowMs) {
      this.buckets.shift();
    }
  }

  /** Commands per second over the closed buckets (the oldest bucket's end is the start). */
  commandsPerSecond(): number {
    return this.perSecond((bucket) => bucket.commands);
  }

  /** Partitions `workerId` completed per second over the closed buckets. */
  completedPerSecond(workerId: string): number {
    return this.perSecond((bucket) => bucket.completions.get(workerId) ?? 0);
  }

  private perSecond(countOf: (bucket: Bucket) => number): number {
    const first = this.buckets[0];
    const last = this.buckets[this.buckets.length - 1];
    if (first === undefined || last === undefined || last.atMs <= first.atMs) return 0;
    let total = 0;
    for (let k = 1; k < this.buckets.length; k++) total += countOf(this.buckets[k] as Bucket);
    return Math.round((total * 1000 * 100) / (last.atMs - first.atMs)) / 100;
  }
}

/**
 * Measuring helpers the benches share (this folder holds no bench: bench/main.ts runs only the
 * files directly in bench/). Times are in ms from `performance.now()`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";

/** The `p` quantile (0..1) of `samples`, rounded to µs; 0 for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
}

/** `ms` rounded to three decimals (µs). */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` in a loop for `seconds`; sums what it returns. */
export async function forSeconds(seconds: number, work: () => Promise<number>): Promise<number> {
  const endAt = performance.now() + seconds * 1000;
  let done = 0;
  while (performance.now() < endAt) done += await work();
  return done;
}

/** Times `rounds` sequential calls of `call`, in ms each. */
export async function sequentialMs(rounds: number, call: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const startedAt = performance.now();
    await call(i);
    samples.push(performance.now() - startedAt);
  }
  return samples;
}

/** Calls per second of `clients` loops calling `call` for `seconds`. */
export async function concurrentPerSec(
  clients: number,
  seconds: number,
  call: (client: number) => Promise<unknown>,
): Promise<{ result: number; commands: number }> {
  const counts = await Promise.all(
    Array.from({ length: clients }, (_, c) => forSeconds(seconds, async () => (await call(c), 1))),
  );
  const commands = counts.reduce((a, b) => a + b, 0);
  return { result: Math.round(commands / seconds), commands };
}

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** CPU time (user + system) process `pid` has used so far, in seconds (/proc/<pid>/stat). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: field 3 is state, so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Resident set size of process `pid`, in bytes (/proc/<pid>/status VmRSS). */
export function rssBytesOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every `everyMs` until it returns non-null; throws after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null>,
  everyMs = 50,
): Promise<T> {
  const endAt = performance.now() + timeoutMs;
  while (performance.now() < endAt) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

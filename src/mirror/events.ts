/**
 * The mirror's typed events, for the metrics module, logs and tests: a flush landed
 * (with its lag), a commit was refused by the guard, Redis came or went. The mirror only emits;
 * a listener that throws is reported and never breaks the mirror (src/util/typed-events.ts).
 */
import { TypedEvents } from "../util/typed-events.js";
import type { CommitOutcome } from "./store.js";

/** Every mirror event, by name, with its payload. Times in ms. */
export interface MirrorEventMap {
  /** A commit landed: the mirror now describes applied index `index`. */
  flushed: {
    readonly index: number;
    readonly term: number;
    readonly resync: boolean;
    readonly rounds: number;
    readonly entries: number;
    /** From the apply of the oldest entry it made visible to the commit's reply; null if none. */
    readonly lagMs: number | null;
    /** Applied index − mirrored index right after the commit. */
    readonly lagEntries: number;
    readonly durationMs: number;
  };
  /** The guard (or a check of the script) refused a commit; the mirror resyncs. */
  refused: { readonly outcome: Exclude<CommitOutcome, { readonly kind: "ok" }> };
  /** A flush failed (Redis unreachable, a timeout, an error reply). */
  failed: { readonly error: string };
  /** Redis became reachable or unreachable (logged once per change). */
  redis: { readonly state: "up" | "down"; readonly reason: string | null };
}

/** The name of a mirror event. */
export type MirrorEventName = keyof MirrorEventMap;

/** The mirror's typed event emitter (src/util/typed-events.ts). */
export class MirrorEvents extends TypedEvents<MirrorEventMap> {}

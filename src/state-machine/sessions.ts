/**
 * Client sessions for exactly-once commands (Raft thesis §6.3): per client id, the last sequence
 * number applied and its result. A retry of that sequence returns the remembered result and
 * changes nothing; an older sequence is refused (its answer is gone). The table holds at most
 * `constants.clientSessionsMax` clients; beyond that, the least recently used (smallest log index
 * of its last command) is forgotten. Log indexes are unique, so that rule is total and every node
 * forgets the same client. The Map's order *is* the LRU order (a used session is re-inserted at
 * the end); restore rebuilds it by sorting on `lastIndex`, so it is a function of the state.
 */
import { clientSessionsMax } from "../constants.js";
import { assert } from "../util/assert.js";
import { compareStrings } from "./order.js";
import type { ApplyResult } from "./results.js";

/** What the table remembers about one client. */
export interface ClientSession {
  readonly clientId: string;
  /** The last sequence number applied. */
  readonly seq: number;
  /** Its result, as first answered (`duplicate: false`). */
  readonly result: ApplyResult;
  /** Log index of that command. */
  readonly lastIndex: number;
}

/** The client sessions of one state: bounded, least recently used forgotten first. */
export class SessionTable {
  private readonly byClient = new Map<string, ClientSession>();

  constructor(private readonly capacity: number = clientSessionsMax) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, "session capacity must be positive");
  }

  get size(): number {
    return this.byClient.size;
  }

  get(clientId: string): ClientSession | undefined {
    return this.byClient.get(clientId);
  }

  /** Remembers `result` as the answer to (`clientId`, `seq`), applied at `logIndex`. */
  record(clientId: string, seq: number, result: ApplyResult, logIndex: number): void {
    const previous = this.byClient.get(clientId);
    assert(previous === undefined || previous.seq < seq, "session sequence must grow");
    this.byClient.delete(clientId);
    this.byClient.set(clientId, { clientId, seq, result, lastIndex: logIndex });
    if (this.byClient.size > this.capacity) this.evictOldest();
  }

  /** Every session, sorted by client id (the canonical order for encoding). */
  sorted(): ClientSession[] {
    return [...this.byClient.values()].sort((a, b) => compareStrings(a.clientId, b.clientId));
  }

  /** Rebuilds the table from decoded sessions (any order). */
  restore(sessions: readonly ClientSession[]): void {
    assert(this.byClient.size === 0, "restore into an empty session table");
    assert(sessions.length <= this.capacity, "more sessions than the table holds");
    const byAge = [...sessions].sort((a, b) => a.lastIndex - b.lastIndex);
    for (const session of byAge) this.byClient.set(session.clientId, session);
  }

  private evictOldest(): void {
    const oldest = this.byClient.keys().next();
    assert(oldest.done !== true, "evicting from an empty session table");
    this.byClient.delete(oldest.value);
  }
}

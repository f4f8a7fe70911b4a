/**
 * A follower's reassembly of a snapshot the leader sends in chunks (Raft §7, Figure 13: the
 * `offset` and `done` fields of InstallSnapshot). Chunks must arrive in order; a duplicate of a
 * chunk already held is acknowledged again, anything else out of order rejects the transfer so
 * the leader restarts it from offset 0.
 *
 * Invariant: `received` equals the summed length of `chunks` and never exceeds `totalBytes`.
 */
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import type { InstallSnapshot } from "./messages.js";
import type { Snapshot } from "./types.js";

/** What one chunk did to the transfer. */
export type ChunkOutcome =
  /** Held in order; the follower now expects `nextOffset`. */
  | { readonly kind: "progress"; readonly nextOffset: number }
  /** The last chunk: the whole snapshot is here. */
  | { readonly kind: "complete"; readonly snapshot: Snapshot }
  /** Out of order or from another transfer: start again from offset 0. */
  | { readonly kind: "rejected" };

interface Transfer {
  readonly from: NodeId;
  readonly term: Term;
  readonly index: LogIndex;
  readonly lastIncludedTerm: Term;
  readonly totalBytes: number;
  readonly chunks: Uint8Array[];
  received: number;
}

function sameTransfer(t: Transfer, m: InstallSnapshot): boolean {
  return (
    t.from === m.from &&
    t.term === m.term &&
    t.index === m.lastIncludedIndex &&
    t.lastIncludedTerm === m.lastIncludedTerm &&
    t.totalBytes === m.totalBytes
  );
}

/** The follower's snapshot transfer under way, if any. */
export class SnapshotAssembly {
  private transfer: Transfer | undefined;

  /** Bytes held of the transfer under way (0 when none). */
  receivedBytes(): number {
    return this.transfer?.received ?? 0;
  }

  /**
   * Takes one chunk. The caller has checked the chunk is well formed
   * (`offset + data.byteLength ≤ totalBytes`, `done` exactly when it reaches `totalBytes`).
   */
  accept(m: InstallSnapshot): ChunkOutcome {
    const held = this.transfer;
    const end = m.offset + m.data.byteLength;
    if (held !== undefined && sameTransfer(held, m) && m.offset < held.received) {
      // A duplicate of a chunk already held: acknowledge again, keep the transfer.
      if (end <= held.received) return { kind: "progress", nextOffset: held.received };
    }
    if (m.offset === 0) this.start(m);
    const t = this.transfer;
    if (t === undefined || !sameTransfer(t, m) || m.offset !== t.received) return this.reject();
    t.chunks.push(m.data);
    t.received += m.data.byteLength;
    if (!m.done) return { kind: "progress", nextOffset: t.received };
    this.transfer = undefined;
    return {
      kind: "complete",
      snapshot: {
        metadata: { index: m.lastIncludedIndex, term: m.lastIncludedTerm, confState: m.confState },
        data: concat(t.chunks, t.totalBytes),
      },
    };
  }

  /** Drops any transfer under way (a new term or a new leader). */
  reset(): void {
    this.transfer = undefined;
  }

  private start(m: InstallSnapshot): void {
    this.transfer = {
      from: m.from,
      term: m.term,
      index: m.lastIncludedIndex,
      lastIncludedTerm: m.lastIncludedTerm,
      totalBytes: m.totalBytes,
      chunks: [],
      received: 0,
    };
  }

  private reject(): ChunkOutcome {
    this.transfer = undefined;
    return { kind: "rejected" };
  }
}

function concat(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.byteLength === totalBytes) return chunks[0];
  const data = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data;
}

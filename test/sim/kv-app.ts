/**
 * The simulated application: a tiny deterministic key-value register. A command is the text
 * `key=value`; applying it sets the key and folds (index, command) into a running hash, so two
 * replicas that applied the same commands in the same order have the same `stateHash`, and any
 * divergence shows. It snapshots to bytes and restores from them, which exercises Raft's
 * snapshots, compaction and InstallSnapshot.
 */
import { assert } from "../../src/util/assert.js";
import type { LogIndex } from "../../src/util/ids.js";
import type { Entry } from "../../src/raft/types.js";
import { RollingHash } from "./rolling-hash.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes the command "set `key` to `value`". */
export function encodeCommand(key: string, value: string): Uint8Array {
  assert(!key.includes("=") && key.length > 0, "a key is non-empty and has no '='");
  return encoder.encode(`${key}=${value}`);
}

/**
 * Decodes a command.
 * @throws InvariantViolation when the bytes are not a command this simulator wrote
 */
export function decodeCommand(data: Uint8Array): { key: string; value: string } {
  const text = decoder.decode(data);
  const at = text.indexOf("=");
  assert(at > 0, () => `not a command: ${JSON.stringify(text.slice(0, 40))}`);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

interface SnapshotBody {
  readonly appliedIndex: number;
  readonly lanes: [number, number];
  readonly kv: [string, string][];
}

/** The key-value register with a running hash of everything applied. */
export class KvApp {
  private readonly kv = new Map<string, string>();
  private hash = new RollingHash();
  private applied: LogIndex = 0;

  /** The last log index applied (NoOps included). */
  get appliedIndex(): LogIndex {
    return this.applied;
  }

  /** Fingerprint of the applied command sequence. */
  stateHash(): string {
    return this.hash.hex();
  }

  /** The current value of `key`. */
  get(key: string): string | undefined {
    return this.kv.get(key);
  }

  /**
   * Applies the committed entry at `appliedIndex + 1` (a NoOp only advances the index).
   * @throws InvariantViolation on a gap or an undecodable command
   */
  apply(entry: Entry): void {
    assert(
      entry.index === this.applied + 1,
      () => `applying ${entry.index} after ${this.applied}: entries must be applied in order`,
    );
    this.applied = entry.index;
    if (entry.type === "NoOp") return;
    const { key, value } = decodeCommand(entry.data);
    this.kv.set(key, value);
    this.hash.addInt(entry.index).addBytes(entry.data);
  }

  /** The state as bytes (keys in sorted order, so equal states give equal bytes). */
  snapshot(): Uint8Array {
    const body: SnapshotBody = {
      appliedIndex: this.applied,
      lanes: this.hash.lanes(),
      kv: [...this.kv.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    };
    return encoder.encode(JSON.stringify(body));
  }

  /**
   * Rebuilds the application from snapshot bytes taken at `index`; empty bytes at index 0 give
   * the initial state.
   * @throws InvariantViolation when the bytes do not describe a state at `index`
   */
  static restore(data: Uint8Array, index: LogIndex): KvApp {
    const app = new KvApp();
    if (data.byteLength === 0) {
      assert(index === 0, () => `an empty snapshot must be at index 0, not ${index}`);
      return app;
    }
    const body = JSON.parse(decoder.decode(data)) as SnapshotBody;
    assert(
      body.appliedIndex === index,
      () => `snapshot data is at ${body.appliedIndex}, metadata says ${index}`,
    );
    for (const [key, value] of body.kv) app.kv.set(key, value);
    app.hash = new RollingHash(body.lanes);
    app.applied = index;
    return app;
  }
}

/**
 * One simulated coordinator node: a RawNode over a MemoryStorage mirror, a simulated disk and
 * the simulated application, driven by the production loop of DESIGN.md §4 — inputs are drained
 * into the core, then each Ready is written to disk and fsynced (which takes virtual time), and
 * only then are its messages sent, its entries applied and `advance()` called. Inputs that arrive
 * while a Ready is being persisted wait in the inbox, as they would behind a serial loop.
 *
 * A node can crash (the RawNode, MemoryStorage, application and inbox are gone; the disk keeps
 * what was synced plus a random prefix of the rest), restart (everything is rebuilt from the
 * disk alone) and pause (no ticks; messages wait in the inbox until it resumes).
 */
import { CoordinatorError } from "../../src/errors.js";
import { assert } from "../../src/util/assert.js";
import type { LogIndex, NodeId, Term } from "../../src/util/ids.js";
import type { Prng } from "../../src/util/prng.js";
import type { RaftConfig, RaftFaults } from "../../src/raft/config.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import type { Message } from "../../src/raft/messages.js";
import { RawNode } from "../../src/raft/raw-node.js";
import type { RaftStatus, Ready, ReadIndexFailure, ReadState } from "../../src/raft/ready.js";
import type { ConfState, Entry } from "../../src/raft/types.js";
import type { InvariantChecker } from "./checker.js";
import { SimDisk, emptyDurableState } from "./disk.js";
import type { DiskWrite } from "./disk.js";
import { KvApp } from "./kv-app.js";
import type { Scenario } from "./scenario.js";

/** The outcome of a proposal as the client sees it. */
export type ProposeResult = { index: LogIndex; term: Term } | { error: string };

/** Something that reaches the node's loop. */
export type NodeInput =
  | { readonly kind: "tick" }
  | { readonly kind: "message"; readonly message: Message }
  | {
      readonly kind: "propose";
      readonly data: Uint8Array;
      readonly onResult: (result: ProposeResult) => void;
    }
  | { readonly kind: "read"; readonly requestId: string }
  | { readonly kind: "transfer"; readonly to: NodeId }
  | { readonly kind: "unreachable"; readonly peer: NodeId };

/** What a node needs from the simulator around it. */
export interface NodeHost {
  /** Schedules {@link SimNode.syncDone} for this node's `incarnation` after the fsync latency. */
  scheduleSync(node: SimNode, incarnation: number): void;
  /** Puts a message on the simulated network. */
  send(message: Message): void;
  /** The node applied a committed entry (the client acknowledges its proposals here). */
  applied(node: NodeId, entry: Entry): void;
  /** A read became servable (applied ≥ its index) or failed. */
  readAnswered(node: NodeId, readState: ReadState): void;
  readFailed(node: NodeId, failure: ReadIndexFailure): void;
  /** A trace line, built only when tracing. */
  trace(line: () => string): void;
}

/** Whether a thrown value is a catalogued rejection the caller is meant to handle. */
function rejectionCode(error: unknown): string | undefined {
  return error instanceof CoordinatorError ? error.code : undefined;
}

/** One node of the simulated cluster. */
export class SimNode {
  readonly disk: SimDisk;
  private raw: RawNode | undefined;
  private storage: MemoryStorage;
  private app = new KvApp();
  /** Bumped on every crash, so a late fsync completion of a previous life is ignored. */
  private incarnationNumber = 0;
  private isPaused = false;
  private persisting: Ready | undefined;
  private syncFinishedWhilePaused = false;
  private inbox: NodeInput[] = [];
  private waitingReads: ReadState[] = [];

  constructor(
    readonly id: NodeId,
    confState: ConfState,
    private readonly scenario: Scenario,
    private readonly prng: Prng,
    private readonly host: NodeHost,
    private readonly checker: InvariantChecker,
    private readonly faults: RaftFaults | undefined,
  ) {
    this.disk = new SimDisk(emptyDurableState(confState));
    this.storage = new MemoryStorage({ confState });
    this.raw = new RawNode(this.config());
  }

  private config(): RaftConfig {
    return {
      id: this.id,
      storage: this.storage,
      prng: this.prng.fork(),
      ...this.scenario.raft,
      applied: this.app.appliedIndex,
      ...(this.faults === undefined ? {} : { faults: this.faults }),
    };
  }

  /** Whether the node is running (not crashed). */
  get isUp(): boolean {
    return this.raw !== undefined;
  }

  /** Whether the node is paused (running, but receiving neither ticks nor messages). */
  get paused(): boolean {
    return this.isPaused;
  }

  /** The application's applied index (for convergence checks). */
  get appliedIndex(): LogIndex {
    return this.app.appliedIndex;
  }

  /** The application's state hash (for convergence checks). */
  stateHash(): string {
    return this.app.stateHash();
  }

  /** The core's status, or undefined while crashed. */
  status(): RaftStatus | undefined {
    return this.raw?.status();
  }

  /**
   * Hands an input to the node's loop: processed now when the loop is idle, queued while a
   * Ready is being persisted or the node is paused (a paused node loses its ticks), refused when
   * crashed (a proposal is answered with an error).
   */
  offer(input: NodeInput): void {
    if (this.raw === undefined) {
      if (input.kind === "propose") input.onResult({ error: "node_down" });
      return;
    }
    if (this.isPaused || this.persisting !== undefined) {
      if (!(this.isPaused && input.kind === "tick")) this.inbox.push(input);
      return;
    }
    this.process(this.raw, input);
    this.pump();
  }

  private process(raw: RawNode, input: NodeInput): void {
    switch (input.kind) {
      case "tick":
        return raw.tick();
      case "message":
        return raw.step(input.message);
      case "propose":
        return this.propose(raw, input.data, input.onResult);
      case "read":
        return raw.readIndex(input.requestId);
      case "transfer":
        return this.tryRejectable(() => raw.transferLeadership(input.to));
      case "unreachable":
        return raw.reportUnreachable(input.peer);
    }
  }

  private propose(raw: RawNode, data: Uint8Array, onResult: (r: ProposeResult) => void): void {
    let result: ProposeResult;
    try {
      result = raw.propose(data);
    } catch (error) {
      const code = rejectionCode(error);
      if (code === undefined) throw error;
      result = { error: code };
    }
    onResult(result);
  }

  /** Runs `action`; a catalogued rejection is traced, anything else propagates. */
  private tryRejectable(action: () => void): void {
    try {
      action();
    } catch (error) {
      const code = rejectionCode(error);
      if (code === undefined) throw error;
      this.host.trace(() => `${this.id} rejected: ${code}`);
    }
  }

  /** Takes the next Ready, if any, and starts persisting it. */
  private pump(): void {
    const raw = this.raw;
    if (raw === undefined || this.isPaused || this.persisting !== undefined) return;
    if (!raw.hasReady()) return;
    const ready = raw.ready();
    const writes = this.writesOf(ready);
    if (writes.length === 0) {
      this.finishReady(raw, ready);
      return;
    }
    this.checkMustSync(ready);
    for (const write of writes) this.disk.write(write);
    this.persisting = ready;
    this.host.scheduleSync(this, this.incarnationNumber);
  }

  /**
   * The core must ask for an fsync when entries, a snapshot, the term or the vote change (only a
   * commit-only change may skip it). The simulator fsyncs every Ready regardless.
   */
  private checkMustSync(ready: Ready): void {
    if (ready.mustSync) return;
    const durable = this.disk.durableHardState();
    const hardState = ready.hardState ?? durable;
    const changed =
      ready.entries.length > 0 ||
      ready.snapshot !== undefined ||
      hardState.term !== durable.term ||
      hardState.vote !== durable.vote;
    if (changed)
      this.checker.report(
        "durable-state",
        this.id,
        "a Ready that must be fsynced says mustSync=false",
      );
  }

  private writesOf(ready: Ready): DiskWrite[] {
    const writes: DiskWrite[] = [];
    if (ready.snapshot !== undefined)
      writes.push({ kind: "installSnapshot", snapshot: ready.snapshot });
    if (ready.entries.length > 0) writes.push({ kind: "entries", entries: ready.entries });
    if (ready.hardState !== undefined)
      writes.push({ kind: "hardState", hardState: ready.hardState });
    return writes;
  }

  /** The fsync started for `incarnation` completed. */
  syncDone(incarnation: number): void {
    const raw = this.raw;
    const ready = this.persisting;
    if (raw === undefined || ready === undefined || incarnation !== this.incarnationNumber) return;
    if (this.isPaused) {
      this.syncFinishedWhilePaused = true;
      return;
    }
    this.disk.sync();
    this.checker.observePersisted(this.id, ready.entries);
    this.persisting = undefined;
    this.finishReady(raw, ready);
  }

  /** Steps 1 (mirror) to 4 of the loop for a Ready whose writes are durable. */
  private finishReady(raw: RawNode, ready: Ready): void {
    if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
    if (ready.entries.length > 0) this.storage.append(ready.entries);
    if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
    for (const message of ready.messages) {
      this.checker.observeSent(this.id, message);
      this.host.send(message);
    }
    this.applyReady(ready);
    raw.advance();
    this.maybeSnapshot();
    this.drainInbox(raw);
  }

  private applyReady(ready: Ready): void {
    const snapshot = ready.snapshot;
    if (snapshot !== undefined) {
      this.app = KvApp.restore(snapshot.data, snapshot.metadata.index);
      this.checker.observeSnapshotRestored(this.id, snapshot.metadata.index, this.app.stateHash());
    }
    for (const entry of ready.committedEntries) {
      this.app.apply(entry);
      this.checker.observeApplied(this.id, entry, this.app.stateHash());
      this.host.applied(this.id, entry);
    }
    for (const readState of ready.readStates) {
      this.checker.observeReadState(this.id, readState);
      this.waitingReads.push(readState);
    }
    // A read is served once the application has caught up with its index (thesis §6.4).
    const applied = this.app.appliedIndex;
    for (const read of this.waitingReads.filter((r) => r.index <= applied)) {
      this.host.readAnswered(this.id, read);
    }
    this.waitingReads = this.waitingReads.filter((r) => r.index > applied);
    for (const failure of ready.readIndexFailures) this.host.readFailed(this.id, failure);
  }

  /** Every `snapshotEveryEntries` applied entries, snapshot the application and compact. */
  private maybeSnapshot(): void {
    const applied = this.app.appliedIndex;
    const { snapshotEveryEntries, snapshotLogTailEntries } = this.scenario;
    if (applied - this.storage.snapshot().metadata.index < snapshotEveryEntries) return;
    const snapshot = this.storage.createSnapshot(applied, this.app.snapshot());
    this.disk.write({ kind: "saveSnapshot", snapshot });
    const compactTo = applied - snapshotLogTailEntries;
    if (compactTo >= this.storage.firstIndex()) {
      this.disk.write({ kind: "compact", index: compactTo });
      this.storage.compact(compactTo);
    }
    this.disk.sync();
    this.checker.observeDurable(this.id);
    this.host.trace(() => `${this.id} snapshot at ${applied}, log compacted to ${compactTo}`);
  }

  private drainInbox(raw: RawNode): void {
    const inputs = this.inbox;
    this.inbox = [];
    for (const input of inputs) this.process(raw, input);
    this.pump();
  }

  /**
   * Power loss: the core, its storage mirror, the application and the inbox are gone; the disk
   * keeps what was synced and a random prefix of the rest.
   */
  crash(prng: Prng): void {
    assert(this.raw !== undefined, "only a running node can crash");
    const { kept, lost } = this.disk.crash(prng);
    for (const input of this.inbox) {
      if (input.kind === "propose") input.onResult({ error: "node_down" });
    }
    this.raw = undefined;
    this.persisting = undefined;
    this.inbox = [];
    this.waitingReads = [];
    this.isPaused = false;
    this.syncFinishedWhilePaused = false;
    this.incarnationNumber += 1;
    const survivors = kept.flatMap((w) => (w.kind === "entries" ? w.entries : []));
    this.checker.observeCrash(this.id, survivors);
    this.host.trace(() => `${this.id} CRASH (${lost} unsynced writes lost)`);
  }

  /** Rebuilds the node from its disk alone: storage, application (from the snapshot), core. */
  restart(): void {
    assert(this.raw === undefined, "only a crashed node can restart");
    const { hardState, snapshot, entries } = this.disk.durable();
    const { index } = snapshot.metadata;
    this.storage = new MemoryStorage({
      hardState,
      confState: snapshot.metadata.confState,
      ...(index > 0 ? { snapshot } : {}),
      entries,
    });
    this.app = KvApp.restore(snapshot.data, index);
    this.checker.observeSnapshotRestored(this.id, index, this.app.stateHash());
    const raw = new RawNode(this.config());
    this.raw = raw;
    this.checker.observeRestart(raw.status());
    this.host.trace(
      () =>
        `${this.id} RESTART term=${hardState.term} commit=${hardState.commit} snapshot=${index}`,
    );
    this.pump();
  }

  /** The process stops (SIGSTOP): no ticks, messages wait in the inbox, time runs on. */
  pause(): void {
    assert(this.raw !== undefined, "only a running node can pause");
    this.isPaused = true;
    this.host.trace(() => `${this.id} PAUSE`);
  }

  /** The process continues: a finished fsync completes, then the inbox drains. */
  resume(): void {
    const raw = this.raw;
    if (raw === undefined || !this.isPaused) return;
    this.isPaused = false;
    this.host.trace(() => `${this.id} RESUME (${this.inbox.length} inputs waiting)`);
    if (this.syncFinishedWhilePaused) {
      this.syncFinishedWhilePaused = false;
      this.syncDone(this.incarnationNumber);
    } else if (this.persisting === undefined) {
      this.drainInbox(raw);
    }
  }
}

/**
 * The spans of one coordinator node, built from its events (src/node/events.ts) without a line
 * of tracing inside the node (docs/OBSERVABILITY.md "Traces"):
 *
 * - each entry's way through the log, keyed by (index, term): when the leader's group commit
 *   made it durable (`persist`), when its Ready began applying (the first `applied` of a burst:
 *   it was committed), when it was applied. A proposal learns its (index, term) from its result
 *   (the very object the `applied` event carried) and gets three child spans: `raft.persist`
 *   (propose → durable on the leader: inbox wait plus fsync), `raft.commit` (durable → committed
 *   by a quorum) and `raft.apply`;
 * - one `raft.group_commit` span per leader fsync that carried proposals, with a span link to
 *   every proposal it carried (they are in different traces: the group commit batches them);
 * - snapshot take/install as short spans; elections as a short `raft.election` span from the
 *   first (Pre)Candidate role to the outcome, every role change on it as a span event; a leader
 *   change seen by a follower outside an election as a zero-length `raft.leader_change` span.
 *   No long-lived "node" span: a span is exported only when it ends.
 */
import { ROOT_CONTEXT, context, trace, type Span } from "@opentelemetry/api";
import type { NodeEventMap, NodeEvents } from "../node/events.js";
import type { ApplyResult } from "../state-machine/index.js";
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import { ATTR, intervalSpan, tracer } from "./api.js";

/** Entries whose way through the log is remembered; older ones are forgotten first. */
const TIMELINE_ENTRIES_MAX = 4_096;
/** Group-commit spans left open for links; the oldest is ended first past this. */
const OPEN_BATCHES_MAX = 256;

/** Where an applied entry sits in the log. */
export interface LogPosition {
  readonly index: LogIndex;
  readonly term: Term;
}

/** One leader fsync that carried proposals, open until its entries are applied. */
interface Batch {
  readonly span: Span;
  readonly lastIndex: LogIndex;
  readonly endMs: number;
  readonly fsyncMs: number;
}

/** What the node's events said about one entry (epoch ms). */
interface Marks {
  term: Term | null;
  persistedAtMs: number | null;
  batch: Batch | null;
  committedAtMs: number | null;
  appliedAtMs: number | null;
}

/** Wall-clock ms since the epoch with sub-ms precision, as span times take them. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A node's event subscriptions that build its spans; `detach()` ends them. */
export class NodeTracing {
  private readonly marks = new Map<LogIndex, Marks>();
  private readonly positions = new WeakMap<object, LogPosition>();
  private readonly openBatches: Batch[] = [];
  private readonly unsubscribe: (() => void)[];
  private role: NodeEventMap["role"]["role"] = "Follower";
  private leaderId: NodeId | null = null;
  private election: Span | null = null;
  private burstStartMs: number | null = null;
  private appliedIndex = 0;

  constructor(
    readonly nodeId: NodeId,
    events: NodeEvents,
  ) {
    this.unsubscribe = [
      events.on("persist", (event) => this.onPersist(event)),
      events.on("applied", (event) => this.onApplied(event)),
      events.on("role", (event) => this.onRole(event)),
      events.on("snapshot", (event) => this.onSnapshot(event)),
    ];
  }

  /** The (index, term) of the entry whose apply produced `result`, if it was seen. */
  positionOf(result: ApplyResult): LogPosition | undefined {
    return this.positions.get(result);
  }

  /**
   * Gives `span` (a proposal started at `startMs`, answered with `result`) the entry's index and
   * term, its `raft.persist`/`raft.commit`/`raft.apply` children, and links the group commit
   * that carried it to it.
   */
  describeProposal(span: Span, startMs: number, result: ApplyResult): void {
    const position = this.positions.get(result);
    span.setAttribute(ATTR.outcome, result.status);
    if (position === undefined) return;
    span.setAttributes({ [ATTR.raftIndex]: position.index, [ATTR.raftTerm]: position.term });
    const marks = this.marks.get(position.index);
    if (marks === undefined || marks.term !== position.term) return;
    const { persistedAtMs, committedAtMs, appliedAtMs, batch } = marks;
    if (persistedAtMs === null || committedAtMs === null || appliedAtMs === null) return;
    const parent = trace.setSpan(context.active(), span);
    const persist = tracer.startSpan(
      "raft.persist",
      {
        startTime: Math.min(startMs, persistedAtMs),
        attributes: batch === null ? {} : { [ATTR.fsyncMs]: batch.fsyncMs },
        links: batch === null ? [] : [{ context: batch.span.spanContext() }],
      },
      parent,
    );
    persist.end(persistedAtMs);
    intervalSpan("raft.commit", parent, persistedAtMs, Math.max(persistedAtMs, committedAtMs));
    intervalSpan("raft.apply", parent, committedAtMs, Math.max(committedAtMs, appliedAtMs));
    batch?.span.addLink({ context: span.spanContext() });
  }

  /** Stops listening and ends what is still open. */
  detach(): void {
    for (const off of this.unsubscribe) off();
    for (const batch of this.openBatches.splice(0)) batch.span.end(batch.endMs);
    this.election?.end();
    this.election = null;
    this.marks.clear();
  }

  private onPersist(event: NodeEventMap["persist"]): void {
    const { lastIndex, entries } = event;
    if (lastIndex === null) return;
    const endMs = nowMs();
    const batch =
      this.role === "Leader" && event.proposals > 0 ? this.openBatch(event, endMs) : null;
    for (let index = lastIndex - entries + 1; index <= lastIndex; index++) {
      const marks = this.marksOf(index as LogIndex);
      marks.term = null;
      marks.persistedAtMs = endMs;
      marks.batch = batch;
      marks.committedAtMs = null;
      marks.appliedAtMs = null;
    }
  }

  private openBatch(event: NodeEventMap["persist"], endMs: number): Batch {
    const span = tracer.startSpan(
      "raft.group_commit",
      {
        startTime: endMs - event.durationMs,
        attributes: {
          [ATTR.nodeId]: this.nodeId,
          [ATTR.batchEntries]: event.entries,
          [ATTR.batchProposals]: event.proposals,
          [ATTR.batchBytes]: event.bytes,
          [ATTR.fsyncMs]: event.durationMs,
          [ATTR.raftIndex]: event.lastIndex ?? 0,
        },
      },
      ROOT_CONTEXT,
    );
    const batch = { span, lastIndex: event.lastIndex ?? 0, endMs, fsyncMs: event.durationMs };
    this.openBatches.push(batch);
    if (this.openBatches.length > OPEN_BATCHES_MAX) this.openBatches.shift()?.span.end(endMs);
    return batch;
  }

  private onApplied(event: NodeEventMap["applied"]): void {
    const appliedAtMs = nowMs();
    if (this.burstStartMs === null) {
      // Every entry of one Ready is applied in one synchronous run: the first of the run marks
      // when the Ready that committed them began to apply.
      this.burstStartMs = appliedAtMs;
      queueMicrotask(() => this.endBurst());
    }
    this.appliedIndex = event.index;
    this.positions.set(event.result, { index: event.index, term: event.term });
    const marks = this.marks.get(event.index);
    if (marks === undefined) return;
    marks.term = event.term;
    marks.committedAtMs = this.burstStartMs;
    marks.appliedAtMs = appliedAtMs;
  }

  /**
   * After a burst of applies: the group commits whose entries are all applied end once the
   * proposals they carried had their turn to link them (the proposals' answers are settled in
   * microtasks; a macrotask later they have all run).
   */
  private endBurst(): void {
    this.burstStartMs = null;
    const done = this.openBatches.filter((batch) => batch.lastIndex <= this.appliedIndex);
    if (done.length === 0) return;
    setImmediate(() => {
      for (const batch of done) {
        const at = this.openBatches.indexOf(batch);
        if (at >= 0) this.openBatches.splice(at, 1);
        batch.span.end(batch.endMs);
      }
    });
  }

  private marksOf(index: LogIndex): Marks {
    let marks = this.marks.get(index);
    if (marks === undefined) {
      marks = {
        term: null,
        persistedAtMs: null,
        batch: null,
        committedAtMs: null,
        appliedAtMs: null,
      };
      this.marks.set(index, marks);
      if (this.marks.size > TIMELINE_ENTRIES_MAX) {
        const oldest = this.marks.keys().next();
        if (oldest.done !== true) this.marks.delete(oldest.value);
      }
    }
    return marks;
  }

  private onRole(event: NodeEventMap["role"]): void {
    const { role, leaderId, term } = event;
    const attributes = {
      [ATTR.raftRole]: role,
      [ATTR.raftTerm]: term,
      [ATTR.raftLeaderId]: leaderId ?? "",
    };
    const campaigning = role === "Candidate" || role === "PreCandidate";
    if (campaigning && this.election === null) {
      this.election = tracer.startSpan(
        "raft.election",
        { attributes: { [ATTR.nodeId]: this.nodeId } },
        ROOT_CONTEXT,
      );
    }
    if (this.election !== null) {
      this.election.addEvent("raft.role", attributes);
      if (!campaigning) {
        this.election.setAttributes(attributes);
        this.election.end();
        this.election = null;
      }
    } else if (leaderId !== this.leaderId) {
      const at = nowMs();
      intervalSpan("raft.leader_change", ROOT_CONTEXT, at, at, {
        ...attributes,
        [ATTR.nodeId]: this.nodeId,
      });
    }
    this.role = role;
    this.leaderId = leaderId;
  }

  private onSnapshot(event: NodeEventMap["snapshot"]): void {
    const endMs = nowMs();
    const local = event.origin === "local";
    const tookMs = local ? event.encodeMs + event.saveMs : event.restoreMs;
    intervalSpan(
      local ? "raft.snapshot.take" : "raft.snapshot.install",
      ROOT_CONTEXT,
      endMs - tookMs,
      endMs,
      {
        [ATTR.nodeId]: this.nodeId,
        [ATTR.raftIndex]: event.index,
        [ATTR.snapshotBytes]: event.bytes,
      },
    );
  }
}

/**
 * Turns a node's role and term events into the seed's election counts: an ATTEMPT begins when
 * the node leaves Follower to campaign (PreCandidate, or Candidate without PreVote), and a
 * PreCandidate that wins its PreVote and becomes Candidate is still the same attempt (Raft
 * thesis §9.6). It ends in success (Leader) or in a FAILURE whose reason says why:
 *
 * - `other_leader`: it fell back to Follower because another node leads;
 * - `prevote_rejected`: a PreCandidate fell back without a leader (no PreVote quorum);
 * - `vote_rejected`: a Candidate fell back without a leader (a higher term, a refused vote);
 * - `timeout`: a Candidate's election timed out and it campaigned again in a higher term
 *   (which is a new attempt).
 *
 * The node emits `role` before `term` for one Ready (src/node/ready-loop.ts), so a Candidate
 * that steps down in a higher term is seen as Follower first and never counted as a timeout.
 */
import type { NodeEventMap } from "../node/events.js";

/** A Raft role, as the node's `role` event names it. */
type Role = NodeEventMap["role"]["role"];

/** Why an election attempt failed (the `reason` label). */
export type ElectionFailureReason =
  "other_leader" | "prevote_rejected" | "vote_rejected" | "timeout";

/** Every failure reason, for tests and for pre-creating series. */
export const ELECTION_FAILURE_REASONS: readonly ElectionFailureReason[] = [
  "other_leader",
  "prevote_rejected",
  "vote_rejected",
  "timeout",
];

/** What the tracker reports. */
export interface ElectionObserver {
  attempt(): void;
  failure(reason: ElectionFailureReason): void;
}

/** Follows one node's role/term events; see the module comment. */
export class ElectionTracker {
  private campaigning: "PreCandidate" | "Candidate" | null = null;
  private campaignTerm = 0;

  constructor(private readonly observer: ElectionObserver) {}

  /** A `role` event: the node's role (and the term it holds it in). */
  onRole(role: Role, leaderId: string | null, term: number): void {
    if (role === "Leader") {
      this.campaigning = null;
    } else if (role === "Follower") {
      if (this.campaigning !== null) this.observer.failure(this.followerReason(leaderId));
      this.campaigning = null;
    } else if (this.campaigning === null) {
      this.begin(role, term);
    } else if (this.campaigning === "PreCandidate" && role === "Candidate") {
      this.campaigning = "Candidate";
      this.campaignTerm = term;
    }
  }

  /** A `term` event: a Candidate in a higher term has timed out and campaigns again. */
  onTerm(term: number): void {
    if (this.campaigning !== "Candidate" || term <= this.campaignTerm) return;
    this.observer.failure("timeout");
    this.begin("Candidate", term);
  }

  private begin(role: "PreCandidate" | "Candidate", term: number): void {
    this.campaigning = role;
    this.campaignTerm = term;
    this.observer.attempt();
  }

  private followerReason(leaderId: string | null): ElectionFailureReason {
    if (leaderId !== null) return "other_leader";
    return this.campaigning === "PreCandidate" ? "prevote_rejected" : "vote_rejected";
  }
}

/**
 * The rules of a node asking for votes (Raft §5.2) or pre-votes (thesis §9.6): count answers,
 * and give up as soon as a leader of the current term shows itself.
 */
import { stepFromLeader } from "./follower.js";
import type { Message } from "./messages.js";
import type { RaftCore as Raft } from "./raft-core.js";

/** The step function of a PreCandidate and of a Candidate. */
export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case "AppendEntries":
    case "Heartbeat":
    case "InstallSnapshot":
      // A leader won this term (for a PreCandidate: the term it is still in).
      r.becomeFollower(m.term, m.from);
      stepFromLeader(r, m);
      return;
    case "RequestVoteResponse":
      if (r.role === "Candidate") r.poll(m.from, m.voteGranted);
      return;
    case "PreVoteResponse":
      // A grant names the proposed term (ours + 1); a refusal carries the voter's (= ours).
      // Anything else answers an older pre-vote round.
      if (r.role === "PreCandidate" && m.term === r.term + (m.voteGranted ? 1 : 0)) {
        r.poll(m.from, m.voteGranted);
      }
      return;
    case "ReadIndex":
      r.send({ type: "ReadIndexResponse", to: m.from, requestId: m.requestId, index: null });
      return;
    default:
      return;
  }
}

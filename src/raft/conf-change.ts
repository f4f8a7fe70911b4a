/**
 * Configuration values and single-server changes to them (Raft thesis §4.1, docs/MEMBERSHIP.md):
 * the canonical form of a {@link ConfState}, and {@link applyConfChange}, which checks one change
 * against a configuration and returns the next one. Pure functions of values: the rules about
 * *when* a change may be proposed (leader only, one in flight, own-term commit first) live in
 * src/raft/membership.ts.
 */
import * as constants from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { NodeId } from "../util/ids.js";
import type { ConfChange, ConfState, MemberAddress } from "./types.js";

function sortedUnique(ids: readonly NodeId[]): NodeId[] {
  return [...new Set(ids)].sort();
}

/**
 * `c` in canonical form: voters, learners and removed ids sorted and unique, learners disjoint
 * from voters, addresses of members only (sorted by id, one per member), and the optional fields
 * left out when empty (so a configuration without them compares equal to one from before they
 * existed).
 */
export function canonicalConfState(c: ConfState): ConfState {
  const voters = sortedUnique(c.voters);
  const voterSet = new Set(voters);
  const learners = sortedUnique(c.learners).filter((id) => !voterSet.has(id));
  const members = new Set([...voters, ...learners]);
  const byId = new Map<NodeId, string>();
  for (const a of c.addresses ?? []) if (members.has(a.id)) byId.set(a.id, a.address);
  const addresses: MemberAddress[] = [...byId.keys()]
    .sort()
    .map((id) => ({ id, address: byId.get(id) ?? "" }));
  const removed = sortedUnique(c.removed ?? []).filter((id) => !members.has(id));
  return {
    voters,
    learners,
    ...(addresses.length > 0 ? { addresses } : {}),
    ...(removed.length > 0 ? { removed } : {}),
  };
}

/** Whether `id` is a voter or a learner of `c`. */
export function isMemberOf(c: ConfState, id: NodeId): boolean {
  return c.voters.includes(id) || c.learners.includes(id);
}

/** The address `c` records for `id`, if any. */
export function addressOf(c: ConfState, id: NodeId): string | undefined {
  return c.addresses?.find((a) => a.id === id)?.address;
}

function refuseInvalid(message: string, change: ConfChange): never {
  throw new CoordinatorError("invalid_request", message, { change });
}

function checkAddLearner(c: ConfState, id: NodeId, address: string, change: ConfChange): void {
  if (id.length === 0 || id.length > constants.nodeIdCharsMax) {
    refuseInvalid(`a node id has 1..${constants.nodeIdCharsMax} characters`, change);
  }
  if (address.length === 0 || address.length > constants.memberAddressCharsMax) {
    refuseInvalid(`an address has 1..${constants.memberAddressCharsMax} characters`, change);
  }
  if (isMemberOf(c, id)) {
    throw new CoordinatorError("member_exists", `${id} is already a member`, { id });
  }
  if ((c.removed ?? []).includes(id)) {
    throw new CoordinatorError(
      "node_id_reused",
      `${id} was removed from the cluster; ids are never reused, choose a new one`,
      { id },
    );
  }
  if (c.voters.length + c.learners.length >= constants.raftConfMembersMax) {
    refuseInvalid(`a configuration holds at most ${constants.raftConfMembersMax} members`, change);
  }
}

function checkPromote(c: ConfState, id: NodeId): void {
  if (c.voters.includes(id)) {
    throw new CoordinatorError("not_a_learner", `${id} is already a voter`, { id });
  }
  if (!c.learners.includes(id)) {
    throw new CoordinatorError("unknown_member", `${id} is not a member`, { id });
  }
}

function checkRemove(c: ConfState, id: NodeId, change: ConfChange): void {
  if (!isMemberOf(c, id)) {
    throw new CoordinatorError("unknown_member", `${id} is not a member`, { id });
  }
  if (c.voters.length === 1 && c.voters[0] === id) {
    throw new CoordinatorError("no_voters_left", `${id} is the last voter`, { id });
  }
  if ((c.removed ?? []).length >= constants.raftConfRemovedIdsMax) {
    refuseInvalid(`at most ${constants.raftConfRemovedIdsMax} removed ids are remembered`, change);
  }
}

/**
 * The configuration after `change` (thesis §4.1: one server added, promoted or removed).
 * @throws CoordinatorError "member_exists", "node_id_reused" (an id removed before),
 *   "unknown_member", "not_a_learner", "no_voters_left", or "invalid_request" (bad id or address,
 *   too many members or removed ids)
 */
export function applyConfChange(c: ConfState, change: ConfChange): ConfState {
  const { id } = change;
  switch (change.type) {
    case "AddLearner":
      checkAddLearner(c, id, change.address, change);
      return canonicalConfState({
        ...c,
        learners: [...c.learners, id],
        addresses: [...(c.addresses ?? []), { id, address: change.address }],
      });
    case "PromoteLearner":
      checkPromote(c, id);
      return canonicalConfState({
        ...c,
        voters: [...c.voters, id],
        learners: c.learners.filter((l) => l !== id),
      });
    case "RemoveMember":
      checkRemove(c, id, change);
      return canonicalConfState({
        ...c,
        voters: c.voters.filter((v) => v !== id),
        learners: c.learners.filter((l) => l !== id),
        removed: [...(c.removed ?? []), id],
      });
  }
}

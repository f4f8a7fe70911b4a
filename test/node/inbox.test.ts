// Proves the inbox wakes the loop on every push and hands over everything at once, empty after.
import { REAL_TIMERS } from "../../src/node/ports.js";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { Inbox } from "../../src/node/inbox.js";
import { Pending } from "../../src/node/pending.js";
import type { Message } from "../../src/raft/messages.js";
import type { ApplyResult } from "../../src/state-machine/index.js";
import { asNodeId } from "../../src/util/ids.js";

describe("Inbox", () => {
  it("wakes on every push and takes everything in one go", () => {
    let wakes = 0;
    const inbox = new Inbox(() => wakes++);
    const message = {
      type: "TimeoutNow",
      from: asNodeId("n2"),
      to: asNodeId("n1"),
      term: 1,
    } as Message;
    const pending = new Pending<ApplyResult>(
      REAL_TIMERS,
      1_000,
      () => new CoordinatorError("proposal_timeout"),
    );
    const proposal = { data: new Uint8Array(1), commandType: "PausePlan" as const, pending };
    inbox.tick();
    inbox.tick();
    inbox.message(message);
    inbox.peerUnreachable(asNodeId("n3"));
    inbox.control({ run: () => undefined, cancel: () => undefined });
    inbox.proposal(proposal);
    expect(wakes).toBe(6);
    expect(inbox.queuedProposals).toEqual([proposal]);
    const taken = inbox.take();
    expect(taken.ticks).toBe(2);
    expect(taken.messages).toEqual([message]);
    expect(taken.unreachable).toEqual(["n3"]);
    expect(taken.controls).toHaveLength(1);
    expect(taken.proposals).toEqual([proposal]);
    const empty = inbox.take();
    expect([empty.ticks, empty.messages, empty.controls, empty.proposals]).toEqual([0, [], [], []]);
    pending.resolve({ status: "invalid_request", detail: "", duplicate: false });
  });
});

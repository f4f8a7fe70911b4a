// Proves `member replace`: the next step is derived from the membership alone (add → wait →
// promote → remove → done, and the refusals that make replacing unsafe), and the loop, run
// against real HTTP apps over the fake membership, adds, waits for catch-up while reporting the
// learner's lag from the leader (also when asked through a follower; from the refused
// promotions when no answer is the leader's), promotes and removes;
// rerun after a partial run it resumes without repeating a step; retryable refusals are retried;
// it gives up at its deadline (and a rerun then finishes); a non-retryable refusal stops it.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { nextReplaceStep, replaceMember, type ReplaceDeps } from "../../src/cli/member-replace.js";
import type { Membership } from "../../src/cli/leader-members.js";
import { CoordinatorError } from "../../src/errors.js";
import { createClient, type CoordinatorClient } from "../../src/worker/client.js";
import { FakeMembership } from "../api/fake-membership.js";
import { FakeService } from "../api/fake-service.js";
import { buildTestApp } from "../api/harness.js";

const REQUEST = { oldId: "n2", newId: "n4", address: "127.0.0.1:7104", timeoutMs: 60_000 };

function member(id: string, role: "voter" | "learner", caughtUp: boolean | null = null) {
  return {
    id,
    role,
    address: id === "n4" ? "127.0.0.1:7104" : `127.0.0.1:710${id.slice(1)}`,
    isLeader: id === "n1",
    matchIndex: null,
    entriesBehind: caughtUp === false ? 250 : null,
    caughtUp,
    connected: null,
  };
}

function view(members: Membership["members"], removed: string[] = []): Membership {
  return {
    nodeId: "n1",
    leaderId: "n1",
    configIndex: 7,
    changeInFlight: false,
    members,
    removed,
    caughtUpEntriesMax: 100,
  };
}

const voters = ["n1", "n2", "n3"].map((id) => member(id, "voter"));

describe("nextReplaceStep", () => {
  it("walks add → wait → promote → remove → done", () => {
    expect(nextReplaceStep(view(voters), REQUEST)).toEqual({ kind: "add" });
    const behind = view([...voters, member("n4", "learner", false)]);
    expect(nextReplaceStep(behind, REQUEST)).toEqual({ kind: "wait", entriesBehind: 250 });
    const caughtUp = view([...voters, member("n4", "learner", true)]);
    expect(nextReplaceStep(caughtUp, REQUEST)).toEqual({ kind: "promote" });
    const unknown = view([...voters, member("n4", "learner", null)]);
    expect(nextReplaceStep(unknown, REQUEST), "not the leader's view").toEqual({ kind: "promote" });
    const promoted = view([...voters, member("n4", "voter")]);
    expect(nextReplaceStep(promoted, REQUEST)).toEqual({ kind: "remove" });
    const done = view(
      ["n1", "n3", "n4"].map((id) => member(id, "voter")),
      ["n2"],
    );
    expect(nextReplaceStep(done, REQUEST)).toEqual({ kind: "done" });
  });

  it("refuses a removed new id, a new id at another address, and an unknown old id", () => {
    const codeOf = (membership: Membership, request = REQUEST) => {
      try {
        nextReplaceStep(membership, request);
        return "no error";
      } catch (error) {
        return (error as CoordinatorError).code;
      }
    };
    expect(codeOf(view(voters, ["n4"]))).toBe("node_id_reused");
    const elsewhere = view([...voters, member("n4", "learner", true)]);
    expect(codeOf(elsewhere, { ...REQUEST, address: "10.0.0.4:7101" })).toBe("member_exists");
    expect(codeOf(view(voters), { ...REQUEST, oldId: "n9" })).toBe("unknown_member");
    expect(
      codeOf(
        view(
          ["n1", "n3"].map((id) => member(id, "voter")),
          ["n2"],
        ),
      ),
    ).toBe("no error");
  });
});

const apps: FastifyInstance[] = [];
const clients: CoordinatorClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function listen(service: FakeService): Promise<string> {
  const app = buildTestApp({ service });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** A leader n1 (at its real address in the configuration) and a follower n2, sharing it. */
async function cluster(options: { leaderAddressReachable?: boolean } = {}) {
  const membership = new FakeMembership();
  membership.catchUpPerRead = 150;
  const leaderAddress = await listen(new FakeService({ nodeId: "n1", membership }));
  const follower = new FakeService({
    nodeId: "n2",
    role: "follower",
    leader: { leaderId: "n1", leaderUrl: `http://${leaderAddress}` },
    membership,
  });
  const followerAddress = await listen(follower);
  const recorded = options.leaderAddressReachable === false ? "127.0.0.1:9" : leaderAddress;
  membership.members.get("n1")!.address = recorded;
  return {
    membership,
    leaderUrl: `http://${leaderAddress}`,
    followerUrl: `http://${followerAddress}`,
  };
}

/** Deps over a client of `endpoints`, with a clock that moves only when the loop sleeps. */
function depsFor(endpoints: string[], onSleep: () => void = () => undefined) {
  const client = createClient({
    endpoints: endpoints.length === 0 ? ["http://127.0.0.1:9"] : endpoints,
    retryDeadlineMs: 0,
  });
  clients.push(client);
  const seen = { steps: [] as string[], progress: [] as number[], retries: [] as string[] };
  let nowMs = 0;
  const deps: ReplaceDeps = {
    client,
    endpoints,
    tls: false,
    now: () => nowMs,
    sleep: async (ms) => {
      nowMs += ms;
      onSleep();
    },
    pollIntervalMs: 1_000,
    onStep: (message) => seen.steps.push(message),
    onProgress: (entriesBehind) => seen.progress.push(entriesBehind),
    onRetry: (error) => seen.retries.push(error.code),
    random: () => 0.5,
  };
  return { deps, seen };
}

describe("replaceMember", () => {
  it("adds, waits while reporting the lag, promotes and removes", async () => {
    const { membership, leaderUrl } = await cluster();
    const { deps, seen } = depsFor([leaderUrl]);
    const final = await replaceMember(REQUEST, deps);
    expect(membership.changes).toEqual(["add n4", "promote n4", "remove n2"]);
    expect(seen.progress).toEqual([350, 200]);
    expect(seen.steps).toEqual([
      "added n4 at 127.0.0.1:7104 as a learner (config index 1)",
      "promoted n4 to voter (config index 2)",
      "removed n2 (config index 3)",
    ]);
    expect(final.members.map((m) => `${m.id}:${m.role}`)).toEqual([
      "n1:voter",
      "n3:voter",
      "n4:voter",
    ]);
    expect(final.removed).toEqual(["n2"]);
  });

  it("through a follower: follows the leader's address for progress; changes are forwarded", async () => {
    const { membership, followerUrl } = await cluster();
    const { deps, seen } = depsFor([followerUrl]);
    await replaceMember(REQUEST, deps);
    expect(membership.changes).toEqual(["add n4", "promote n4", "remove n2"]);
    expect(seen.progress).toEqual([350, 200]);
  });

  it("finds the leader among the endpoints when its recorded address is unreachable", async () => {
    const { membership, followerUrl, leaderUrl } = await cluster({ leaderAddressReachable: false });
    const { deps, seen } = depsFor([followerUrl, leaderUrl]);
    await replaceMember(REQUEST, deps);
    expect(membership.changes).toEqual(["add n4", "promote n4", "remove n2"]);
    expect(seen.progress).toEqual([350, 200]);
  });

  it("without the leader's view, the refused promotions report the lag instead", async () => {
    // A client whose every answer comes from follower n2 (no progress fields) and whose leader
    // refuses the promotion twice with the learner's lag, as a problem carries it.
    let members: Membership["members"] = voters.map((m) => ({ ...m, isLeader: false }));
    const lags = [500, 200];
    const calls: string[] = [];
    const answer = () => ({ ...view(members), nodeId: "n3" });
    const client = {
      listMembers: async () => answer(),
      addMember: async () => {
        calls.push("add");
        members = [...members, member("n4", "learner", null)];
        return answer();
      },
      promoteMember: async () => {
        calls.push("promote");
        const entriesBehind = lags.shift();
        if (entriesBehind !== undefined) {
          throw new CoordinatorError("learner_not_caught_up", "behind", {
            entriesBehind,
            caughtUpEntriesMax: 100,
          });
        }
        members = members.map((m) => (m.id === "n4" ? member("n4", "voter") : m));
        return answer();
      },
      removeMember: async () => {
        calls.push("remove");
        members = members.filter((m) => m.id !== "n2");
        return { ...answer(), removed: ["n2"] };
      },
    } as unknown as CoordinatorClient;
    const { deps, seen } = depsFor([]);
    await replaceMember(REQUEST, { ...deps, client });
    expect(calls).toEqual(["add", "promote", "promote", "promote", "remove"]);
    expect(seen.progress).toEqual([500, 200]);
    expect(seen.retries, "a lagging learner is progress, not a failure").toEqual([]);
  });

  it("resumes after a crash: a learner already added, or already promoted, or all done", async () => {
    const cases: [string[], string[]][] = [
      [["add"], ["promote n4", "remove n2"]],
      [["add", "promote"], ["remove n2"]],
      [["add", "promote", "remove"], []],
    ];
    for (const [done, expected] of cases) {
      const { membership, leaderUrl } = await cluster();
      membership.add("n4", REQUEST.address);
      if (done.includes("promote")) {
        membership.members.get("n4")!.entriesBehind = 0;
        membership.promote("n4");
      }
      if (done.includes("remove")) membership.remove("n2", false);
      const before = membership.changes.length;
      const { deps } = depsFor([leaderUrl]);
      await replaceMember(REQUEST, deps);
      expect(membership.changes.slice(before), done.join("+")).toEqual(expected);
    }
  });

  it("retries a change refused while another is in flight", async () => {
    const { membership, leaderUrl } = await cluster();
    membership.changeInFlight = true;
    const { deps, seen } = depsFor([leaderUrl], () => {
      membership.changeInFlight = false;
    });
    await replaceMember(REQUEST, deps);
    expect(seen.retries).toEqual(["config_change_in_flight"]);
    expect(membership.changes).toEqual(["add n4", "promote n4", "remove n2"]);
  });

  it("gives up at its deadline with the lag; the same command then finishes the job", async () => {
    const { membership, leaderUrl } = await cluster();
    membership.catchUpPerRead = 0;
    const stuck = depsFor([leaderUrl]);
    await expect(replaceMember({ ...REQUEST, timeoutMs: 5_000 }, stuck.deps)).rejects.toThrow(
      /timed out after 5000 ms replacing n2 with n4 \(n4 was 500 entries behind\); run the same/,
    );
    expect(membership.changes).toEqual(["add n4"]);
    membership.catchUpPerRead = 150;
    await replaceMember(REQUEST, depsFor([leaderUrl]).deps);
    expect(membership.changes).toEqual(["add n4", "promote n4", "remove n2"]);
  });

  it("stops at a refusal that is not retryable (no live majority without n2)", async () => {
    const { membership, leaderUrl } = await cluster();
    membership.down.add("n3");
    membership.down.add("n4");
    const { deps } = depsFor([leaderUrl]);
    await expect(replaceMember(REQUEST, deps)).rejects.toMatchObject({ code: "no_live_quorum" });
    expect(membership.changes).toEqual(["add n4", "promote n4"]);
  });
});
